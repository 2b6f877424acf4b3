//! The effect runner: what `update` asked for, done. Each registry call and
//! each token test runs in the background through one helper, [`Effects::spawn`],
//! and comes back to the loop as a message; clipboard calls go to the
//! clipboard's own blocking thread (see [`super::copy`]).

use std::future::Future;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::copy::{self, ClipboardDone};
use super::effect::Effect;
use super::msg::{CallError, Msg};
use super::token::{self, TokenVia};
use crate::clipboard::Clipboard;
use crate::model::ClientId;
use crate::registry::Registry;

/// The newest events the audit log popup shows.
pub const AUDIT_SHOWN: usize = 1000;

/// What runs effects: the registries and token routes of every region (by
/// tab index), the clipboard, and the ways back to the loop.
pub struct Effects {
    pub registries: Vec<Arc<dyn Registry>>,
    pub vias: Vec<TokenVia>,
    pub clipboard: Arc<Clipboard>,
    pub tx: UnboundedSender<Msg>,
    pub clip_tx: UnboundedSender<ClipboardDone>,
}

impl Effects {
    pub fn run(&self, effect: Effect) {
        match effect {
            Effect::Load { region } => {
                let tx = self.tx.clone();
                self.call(region, move |r| async move {
                    let result = r.list().await.map_err(CallError::from);
                    // The list got a remote region its token, which says
                    // whether it only reads; told before the list lands.
                    if result.is_ok()
                        && let Ok(Some(why)) = r.read_only_reason().await
                    {
                        let _ = tx.send(Msg::ReadOnly { region, why });
                    }
                    Msg::Loaded { region, result }
                })
            }
            Effect::Refresh { region, known } => {
                self.call(region, move |r| refresh(r, region, known))
            }
            Effect::Create { region, new } => self.call(region, move |r| async move {
                let result = r.create(new).await.map_err(CallError::from);
                Msg::Created { region, result }
            }),
            Effect::Rename { region, id, name } => self.call(region, move |r| async move {
                let result = r.rename(&id, name).await.map_err(CallError::from);
                let what = "Renamed to";
                Msg::Updated {
                    region,
                    what,
                    result,
                }
            }),
            Effect::SetAccess {
                region,
                id,
                changes,
            } => self.call(region, move |r| async move {
                let result = r.set_access(&id, changes).await.map_err(CallError::from);
                let what = "Scopes saved for";
                Msg::Updated {
                    region,
                    what,
                    result,
                }
            }),
            Effect::ResetSecret { region, id } => self.call(region, move |r| async move {
                let result = r.reset_secret(&id).await.map_err(CallError::from);
                Msg::SecretReset { region, result }
            }),
            Effect::RotateSecret { region, id, grace } => self.call(region, move |r| async move {
                let result = r.rotate_secret(&id, grace).await.map_err(CallError::from);
                Msg::SecretRotated { region, result }
            }),
            Effect::RetireSecret { region, id } => self.call(region, move |r| async move {
                let result = r.retire_secret(&id).await.map_err(CallError::from);
                Msg::SecretRetired { region, result }
            }),
            Effect::Delete { region, id, name } => self.call(region, move |r| async move {
                let result = r.delete(&id).await.map(|_| ()).map_err(CallError::from);
                Msg::Deleted {
                    region,
                    id,
                    name,
                    result,
                }
            }),
            Effect::TestToken {
                region,
                id,
                secret,
                scopes,
            } => {
                let Some(via) = self.vias.get(region).cloned() else {
                    return;
                };
                self.spawn(async move {
                    let result = token::test(via, id.clone(), secret, scopes).await;
                    Msg::TokenTested { id, result }
                });
            }
            Effect::Copy { what, text } => {
                copy::start_copy(&self.clipboard, what, text, &self.clip_tx)
            }
            Effect::ClearClipboard => copy::start_clear(&self.clipboard, &self.clip_tx),
            lifecycle @ (Effect::SetSuspended { .. }
            | Effect::LoadTrash { .. }
            | Effect::Restore { .. }
            | Effect::Purge { .. }) => self.run_lifecycle(lifecycle),
            Effect::LoadAudit { region, client_id } => self.call(region, move |r| async move {
                let query = crate::model::AuditQuery {
                    client_id: client_id.as_ref().map(ClientId::to_string),
                    limit: AUDIT_SHOWN,
                    ..Default::default()
                };
                let result = r.audit(query).await.map_err(CallError::from);
                Msg::AuditLoaded {
                    region,
                    client_id,
                    result,
                }
            }),
        }
    }

    /// Suspension and the trash.
    fn run_lifecycle(&self, effect: Effect) {
        match effect {
            Effect::SetSuspended {
                region,
                id,
                suspend,
            } => self.call(region, move |r| async move {
                let (result, what) = if suspend {
                    (r.suspend(&id).await, "Suspended (no tokens until resumed):")
                } else {
                    (r.resume(&id).await, "Resumed (it gets tokens again):")
                };
                let result = result.map_err(CallError::from);
                Msg::Updated {
                    region,
                    what,
                    result,
                }
            }),
            Effect::LoadTrash { region } => self.call(region, move |r| async move {
                let result = r.list_deleted().await.map_err(CallError::from);
                Msg::TrashLoaded { region, result }
            }),
            Effect::Restore { region, id } => self.call(region, move |r| async move {
                let result = r.restore(&id).await.map_err(CallError::from);
                Msg::Restored { region, result }
            }),
            Effect::Purge { region, id, name } => self.call(region, move |r| async move {
                let result = r.purge(&id).await.map_err(CallError::from);
                Msg::Purged {
                    region,
                    name,
                    result,
                }
            }),
            _ => {}
        }
    }

    /// Runs `call` on the registry of tab `region` in the background.
    fn call<F, Fut>(&self, region: usize, call: F)
    where
        F: FnOnce(Arc<dyn Registry>) -> Fut,
        Fut: Future<Output = Msg> + Send + 'static,
    {
        if let Some(registry) = self.registries.get(region).cloned() {
            self.spawn(call(registry));
        }
    }

    /// The one helper every background call goes through: runs `work` and
    /// sends the message it ends with back to the loop. A loop that is gone
    /// (the UI quit meanwhile) drops it.
    fn spawn(&self, work: impl Future<Output = Msg> + Send + 'static) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(work.await);
        });
    }
}

/// A quiet reload: lists again unless the registry's fingerprint is still `known`.
async fn refresh(r: Arc<dyn Registry>, region: usize, known: Option<String>) -> Msg {
    match r.fingerprint().await {
        Err(e) => Msg::Refreshed {
            region,
            fingerprint: None,
            result: Err(CallError::from(e)),
        },
        Ok(Some(fp)) if known.as_ref() == Some(&fp) => Msg::Refreshed {
            region,
            fingerprint: Some(fp),
            result: Ok(None),
        },
        // Taken before the list: a change made in between shows as a new
        // fingerprint at the next poll, never as a miss.
        Ok(fingerprint) => Msg::Refreshed {
            region,
            fingerprint,
            result: r.list().await.map(Some).map_err(CallError::from),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::sync::mpsc;

    use super::*;
    use crate::model::{AppName, NewApplication, Region};

    /// The runner over one real embedded region, and where its messages land.
    fn runner(dir: &std::path::Path) -> (Effects, mpsc::UnboundedReceiver<Msg>) {
        let store = crate::registry::embedded::EmbeddedStore::open(
            dir,
            Arc::new(crate::catalog::Catalog::builtin()),
            Duration::from_secs(900),
        )
        .unwrap();
        let registry: Arc<dyn Registry> = Arc::new(store.registry(Region::new("us").unwrap()));
        let (tx, rx) = mpsc::unbounded_channel();
        let (clip_tx, _) = mpsc::unbounded_channel();
        let effects = Effects {
            registries: vec![registry],
            vias: Vec::new(),
            clipboard: Arc::new(Clipboard::new(
                crate::clipboard::Settings::default(),
                crate::clipboard::Environment::default(),
            )),
            tx,
            clip_tx,
        };
        (effects, rx)
    }

    async fn next(rx: &mut mpsc::UnboundedReceiver<Msg>) -> Msg {
        tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("a message within the bound")
            .expect("the runner keeps its sender")
    }

    #[tokio::test]
    async fn each_call_comes_back_as_its_message() {
        let dir = tempfile::tempdir().unwrap();
        let (effects, mut rx) = runner(dir.path());
        let new = |name: &str| NewApplication {
            client_name: AppName::parse(name).unwrap(),
            grants: Vec::new(),
            admin: false,
        };
        effects.run(Effect::Create {
            region: 0,
            new: new("Payroll sync"),
        });
        let Msg::Created {
            region: 0,
            result: Ok(issued),
        } = next(&mut rx).await
        else {
            panic!("created")
        };
        effects.run(Effect::Load { region: 0 });
        let Msg::Loaded {
            region: 0,
            result: Ok(apps),
        } = next(&mut rx).await
        else {
            panic!("loaded")
        };
        assert_eq!(apps, vec![issued.application.clone()]);

        // A quiet reload lists only when the fingerprint moved.
        effects.run(Effect::Refresh {
            region: 0,
            known: None,
        });
        let Msg::Refreshed {
            fingerprint: Some(known),
            result: Ok(Some(_)),
            ..
        } = next(&mut rx).await
        else {
            panic!("listed")
        };
        effects.run(Effect::Refresh {
            region: 0,
            known: Some(known),
        });
        assert!(matches!(
            next(&mut rx).await,
            Msg::Refreshed {
                result: Ok(None),
                ..
            }
        ));

        // A failure comes back as a message too, typed (a taken name is told
        // apart from a storage failure), and a tab without a registry starts
        // nothing.
        effects.run(Effect::Create {
            region: 9,
            new: new("Nowhere"),
        });
        effects.run(Effect::Create {
            region: 0,
            new: new("Payroll sync"),
        });
        assert!(matches!(
            next(&mut rx).await,
            Msg::Created {
                region: 0,
                result: Err(CallError::NameTaken(_))
            }
        ));
        effects.run(Effect::Delete {
            region: 0,
            id: issued.application.client_id.clone(),
            name: "Payroll sync".into(),
        });
        assert!(matches!(
            next(&mut rx).await,
            Msg::Deleted { result: Ok(()), .. }
        ));
        assert!(rx.try_recv().is_err(), "nothing from the missing tab");
    }
}
