//! What to do next, added where the CLI prints an error. Library errors say
//! what happened; only the CLI knows which command helps, so the advice that
//! names one is here (the admin API and the UI word their own).

use crate::model::{ClientIdError, ReadOnly};
use crate::registry::RegistryError;
use crate::registry::postgres::CopyError;

/// The line the CLI prints for `e`: its causes (see
/// [`super::output::error_chain`]), then the next step if one is known.
pub fn error_line(e: &anyhow::Error) -> String {
    let mut line = super::output::error_chain(e);
    if let Some(next) = next_step(e) {
        line.push_str(&next);
    }
    line
}

/// The next step for the first error in `e`'s chain that has one, written to
/// follow that error's text on the same line.
pub fn next_step(e: &anyhow::Error) -> Option<String> {
    e.chain().find_map(|cause| {
        if let Some(r) = cause.downcast_ref::<RegistryError>() {
            return registry_next_step(r);
        }
        cause.downcast_ref::<CopyError>().and_then(copy_next_step)
    })
}

/// The next step for a command line clap refused, if the CLI knows one
/// beyond the help.
pub fn usage_next_step(e: &clap::Error) -> Option<&'static str> {
    let cause = std::error::Error::source(e)?;
    cause
        .is::<ClientIdError>()
        .then_some(" (see `keyward apps list`)")
}

/// What to do when `keyward regions copy` was refused.
fn copy_next_step(e: &CopyError) -> Option<String> {
    match e {
        CopyError::KeyMismatch { region, .. } => Some(format!(
            ". The copied hashes only verify under this data dir's secret.key: copy into a database where region {region} is new (or holds this key), and give every replica that serves region {region} this data dir's secret.key (mode 0600)"
        )),
        CopyError::NotEmpty { region, .. } => Some(format!(
            ". If the region there is an earlier copy, keep it (check it with `keyward apps list --region {region}` on a config that points at the database); to copy again, empty region {region} in the database first"
        )),
        CopyError::AuditLogNotEmpty { region, .. }
        | CopyError::SigningKeysPresent { region, .. } => Some(format!(
            ". Copy into a database where region {region} is new"
        )),
        CopyError::Registry(r) => registry_next_step(r),
    }
}

/// How to make a change where the region only reads.
fn read_only_next_step(region: &crate::model::Region, why: ReadOnly) -> String {
    match why {
        ReadOnly::Flag => ". Run the command without --read-only to make the change".to_owned(),
        ReadOnly::Config => format!(
            ". To change it, remove read_only from region {region}'s [[region]] table in the config"
        ),
        ReadOnly::AdminScope => format!(
            ". Changes need an admin client whose token holds keyward:admin: set region {region}'s client_id and secret to one, made with `keyward apps add --admin` on the server's data dir"
        ),
    }
}

fn registry_next_step(e: &RegistryError) -> Option<String> {
    match e {
        RegistryError::NotFound { region, .. } => Some(format!(
            " (see `keyward apps list --region {region}`, or `keyward apps list --deleted --region {region}` for the trash)"
        )),
        RegistryError::NotInTrash { client_id, .. } => Some(format!(
            ": to delete it, `keyward apps delete {client_id} --yes` moves it to the trash"
        )),
        RegistryError::RestoreNameTaken { region, .. } => Some(format!(
            ": `keyward apps rename ID NEW_NAME` the existing one (see `keyward apps list --region {region}`), then restore"
        )),
        RegistryError::RevealWindowClosed { client_id } => {
            Some(format!(": `keyward apps reset-secret {client_id} --yes`"))
        }
        RegistryError::AlreadyRetiring { client_id, .. } => Some(format!(
            ": `keyward apps retire {client_id} --yes`, or `keyward apps reset-secret {client_id} --yes`"
        )),
        RegistryError::KeysElsewhere { region } => Some(format!(
            ": run `keyward keys ... --region {region}` on a machine where region {region} is embedded or PostgreSQL (with that data dir's secret.key)"
        )),
        RegistryError::KeyWaiting { region, .. } => {
            Some(format!(" (see `keyward keys list --region {region}`)"))
        }
        RegistryError::ReadOnly { region, why } => Some(read_only_next_step(region, *why)),
        RegistryError::NothingToRetire { .. }
        | RegistryError::DuplicateName { .. }
        | RegistryError::InvalidInput(_)
        | RegistryError::Storage { .. } => None,
        RegistryError::Unavailable { .. } => Some(
            ": check that the store is running and reachable (`keyward doctor` checks every region), then run the command again".to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClientId, Region};

    /// The CLI says what it said when the hints were part of the library's
    /// messages: the same commands.
    #[test]
    fn the_cli_adds_the_command_to_run() {
        let id = ClientId::generate();
        let us = Region::builtin("us");
        let not_found = anyhow::Error::new(RegistryError::NotFound {
            client_id: id.clone(),
            region: us,
        });
        assert_eq!(
            error_line(&not_found),
            format!(
                "no application with client ID '{id}' in region us (see `keyward apps list --region us`, or `keyward apps list --deleted --region us` for the trash)"
            )
        );
        let closed = anyhow::Error::new(RegistryError::RevealWindowClosed {
            client_id: id.clone(),
        })
        .context("cannot show the secret");
        assert_eq!(
            error_line(&closed),
            format!(
                "cannot show the secret: the secret of '{id}' can no longer be shown: its window has closed, and only a reset makes a new one: `keyward apps reset-secret {id} --yes`"
            )
        );
        let other = anyhow::anyhow!("something else");
        assert_eq!(error_line(&other), "something else");
    }

    /// A malformed client ID on the command line points at the list of
    /// applications, as the model's message once did.
    #[test]
    fn a_malformed_client_id_points_at_the_list() {
        use clap::Parser as _;
        let e =
            super::super::Cli::try_parse_from(["keyward", "apps", "show", "bad id!"]).unwrap_err();
        assert_eq!(usage_next_step(&e), Some(" (see `keyward apps list`)"));
        let e = super::super::Cli::try_parse_from(["keyward", "apps", "list", "--region", "u s"])
            .unwrap_err();
        assert_eq!(usage_next_step(&e), None);
    }
}
