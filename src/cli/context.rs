//! What every command needs: the paths, the config, the scope catalog, and the
//! registries, opened only when a command touches applications.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use anyhow::Context as _;

use crate::catalog::Catalog;
use crate::config::{Backend, Config, Paths, RegionConfig};
use crate::model::{ClientId, ReadOnly, Region, Via};
use crate::registry::embedded::EmbeddedStore;
use crate::registry::postgres::{PostgresRegistry, load_database_url};
use crate::registry::remote::RemoteRegistry;
use crate::registry::{Registry, RegistryError};

pub struct Context {
    pub paths: Paths,
    pub config: Config,
    pub catalog: Arc<Catalog>,
    /// `keyward --read-only`: every region only reads, for this run.
    pub read_only: bool,
    store: OnceLock<EmbeddedStore>,
}

impl Context {
    pub fn load(data_dir: Option<PathBuf>, config_file: Option<PathBuf>) -> anyhow::Result<Self> {
        let paths = Paths::resolve(data_dir, config_file)?;
        let mut config = Config::load(&paths.config_file)?;
        config.apply_env(std::env::var("KEYWARD_CLIPBOARD").ok().as_deref())?;
        let catalog = Arc::new(Catalog::load(paths.config_dir())?);
        Ok(Context {
            paths,
            config,
            catalog,
            read_only: false,
            store: OnceLock::new(),
        })
    }

    /// The data dir's embedded store, opened on first use.
    pub(super) fn store(&self) -> anyhow::Result<&EmbeddedStore> {
        if let Some(s) = self.store.get() {
            return Ok(s);
        }
        let store = EmbeddedStore::open(
            &self.paths.data_dir,
            self.catalog.clone(),
            self.config.secret_visible_for,
        )?;
        store.set_trash_period(self.config.trash_period());
        Ok(self.store.get_or_init(|| store))
    }

    pub fn region_config(&self, region: &Region) -> anyhow::Result<&RegionConfig> {
        self.config.region(region).with_context(|| {
            format!(
                "unknown region '{region}': the configured regions are {} (see `keyward regions`)",
                self.config.region_list()
            )
        })
    }

    /// The registry of one region, its changes recorded in the audit log as
    /// made on the command line by this OS user.
    pub fn registry(&self, region: &Region) -> anyhow::Result<Box<dyn Registry>> {
        self.registry_via(region, Via::Cli)
    }

    /// The registry of one region, its changes recorded as made through
    /// `via` by this OS user on this host. (A remote region's server records
    /// its own caller: the admin client and its address.)
    pub fn registry_via(&self, region: &Region, via: Via) -> anyhow::Result<Box<dyn Registry>> {
        let rc = self.region_config(region)?;
        match &rc.backend {
            Backend::Embedded => Ok(Box::new(
                self.store()?
                    .registry_as(rc.region.clone(), crate::registry::local_actor(via)),
            )),
            Backend::Remote(remote) => {
                let registry = RemoteRegistry::from_config(rc.region.clone(), remote)?;
                // Least privilege: a region that only reads asks for a token
                // that only reads.
                Ok(Box::new(
                    if self.read_only_by_config(&rc.region).is_some() {
                        registry.reading_only()
                    } else {
                        registry
                    },
                ))
            }
            // Connects on first use; the secret hashes' key is this data
            // dir's, as for an embedded region.
            Backend::Postgres(pg) => {
                let url = load_database_url(&rc.region, &pg.url)?;
                Ok(Box::new(
                    PostgresRegistry::connect(
                        &url,
                        &self.paths.data_dir,
                        rc.region.clone(),
                        self.catalog.clone(),
                        self.config.secret_visible_for,
                    )?
                    .with_actor(crate::registry::local_actor(via))
                    .with_trash_period(self.config.trash_period()),
                ))
            }
        }
    }

    /// Why `region` only reads as far as the command line and the config
    /// say (a remote region's admin client may say so too: see
    /// [`Context::refuse_if_read_only`]).
    pub fn read_only_by_config(&self, region: &Region) -> Option<ReadOnly> {
        if self.read_only {
            Some(ReadOnly::Flag)
        } else {
            self.config
                .region(region)
                .is_some_and(|rc| rc.read_only)
                .then_some(ReadOnly::Config)
        }
    }

    /// Refuses a change to `registry`'s region, before anything is touched,
    /// when the region only reads: `--read-only`, `read_only = true` in the
    /// config, or a remote admin client whose token only reads. The one check
    /// every command that changes applications or keys goes through.
    pub async fn refuse_if_read_only(&self, registry: &dyn Registry) -> anyhow::Result<()> {
        let region = registry.region();
        let why = match self.read_only_by_config(region) {
            Some(why) => Some(why),
            None => registry.read_only_reason().await?,
        };
        match why {
            Some(why) => Err(RegistryError::ReadOnly {
                region: region.clone(),
                why,
            }
            .into()),
            None => Ok(()),
        }
    }

    /// The registry of `region`, for a command that changes it: refused
    /// when the region only reads.
    pub async fn registry_to_change(&self, region: &Region) -> anyhow::Result<Box<dyn Registry>> {
        let registry = self.registry(region)?;
        self.refuse_if_read_only(registry.as_ref()).await?;
        Ok(registry)
    }

    /// The registry that holds `id`, for a command that changes it: refused
    /// when its region only reads.
    pub async fn find_to_change(&self, id: &ClientId) -> anyhow::Result<Box<dyn Registry>> {
        let registry = self.find(id).await?;
        self.refuse_if_read_only(registry.as_ref()).await?;
        Ok(registry)
    }

    /// Every configured region's registry, in config order.
    pub fn registries(&self) -> anyhow::Result<Vec<Box<dyn Registry>>> {
        self.config
            .regions
            .iter()
            .map(|r| self.registry(&r.region))
            .collect()
    }

    /// What the full-screen UI starts from: every region's registry, and the
    /// index of `region` (the first region when none is asked for).
    pub fn tui_setup(&self, region: Option<&Region>) -> anyhow::Result<crate::tui::Setup> {
        let registries = self
            .config
            .regions
            .iter()
            .map(|r| self.registry_via(&r.region, Via::Tui))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let active = match region {
            Some(r) => {
                self.region_config(r)?;
                registries
                    .iter()
                    .position(|reg| reg.region() == r)
                    .unwrap_or(0)
            }
            None => 0,
        };
        Ok(crate::tui::Setup {
            regions: self
                .config
                .regions
                .iter()
                .cloned()
                .zip(registries.into_iter().map(Arc::from))
                .collect(),
            active,
            catalog: self.catalog.clone(),
            secret_visible_for: self.config.secret_visible_for,
            rotation_grace: self.config.rotation_grace,
            trash_days: self.config.trash_days,
            clipboard: self.config.clipboard.clone(),
            read_only: self.read_only,
            copy: self.config.copy.clone(),
        })
    }

    /// The registry that holds `id`, found by asking each region in turn.
    pub async fn find(&self, id: &ClientId) -> anyhow::Result<Box<dyn Registry>> {
        for registry in self.registries()? {
            match registry.get(id).await {
                Ok(_) => return Ok(registry),
                Err(RegistryError::NotFound { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        anyhow::bail!(
            "no application with client ID '{id}' in any region ({}); see `keyward apps list`",
            self.config.region_list()
        )
    }

    /// The registry whose trash holds `id`, and the trashed application.
    pub async fn find_trashed(
        &self,
        id: &ClientId,
    ) -> anyhow::Result<(Box<dyn Registry>, crate::model::Application)> {
        for registry in self.registries()? {
            if let Some(app) = registry
                .list_deleted()
                .await?
                .into_iter()
                .find(|a| &a.client_id == id)
            {
                self.refuse_if_read_only(registry.as_ref()).await?;
                return Ok((registry, app));
            }
        }
        if self.find(id).await.is_ok() {
            anyhow::bail!(
                "the application '{id}' is not in the trash: only a deleted application can be restored or purged (`keyward apps delete {id} --yes` moves it there)"
            );
        }
        anyhow::bail!(
            "no application with client ID '{id}' in the trash of any region ({}); see `keyward apps list --deleted` (after its trash period an application is gone for good)",
            self.config.region_list()
        )
    }
}
