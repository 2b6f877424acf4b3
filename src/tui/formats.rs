//! The copy formats behind `Y`: both credentials as environment lines, or a
//! ready curl command for the region's token endpoint. Pure: the text is
//! made as a [`ClientSecret`] (it never prints itself and is wiped on drop)
//! and goes only to the clipboard, never to the screen or a log.

use crate::config::CopySettings;
use crate::model::{ClientId, ClientSecret};

/// What `Y` can copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `KEYWARD_CLIENT_ID=…` and `KEYWARD_CLIENT_SECRET=…` (names from `[copy]`).
    EnvLines,
    /// `curl -u id:secret`: the credentials in HTTP Basic.
    CurlBasic,
    /// `curl -d client_id=… -d client_secret=…`: the credentials in the body.
    CurlForm,
}

/// Where `keyward serve` listens unless told otherwise: the endpoint a curl
/// command names for a region whose token test mints in-process.
pub const LOCAL_TOKEN_URL: &str = "http://127.0.0.1:8080/oauth2/token";

/// The token endpoint for a region whose token test goes `token_via` (a
/// URL, or [`super::token::LOCAL`]): the one `t` asks.
pub fn token_url(token_via: &str) -> &str {
    if token_via == super::token::LOCAL {
        LOCAL_TOKEN_URL
    } else {
        token_via
    }
}

/// `text` in single quotes for a POSIX shell.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The text `format` copies for the application `id` with `secret`, whose
/// region's token endpoint is `url`. A curl command starts with a space, so
/// shells that ignore such lines (bash's `HISTCONTROL=ignorespace`, zsh's
/// `HIST_IGNORE_SPACE`) keep it out of their history.
pub fn text(
    format: Format,
    names: &CopySettings,
    id: &ClientId,
    secret: &ClientSecret,
    url: &str,
) -> ClientSecret {
    let (id, secret) = (id.as_str(), secret.expose());
    let text = match format {
        Format::EnvLines => format!(
            "{}={id}\n{}={secret}\n",
            names.client_id_env, names.client_secret_env
        ),
        Format::CurlBasic => format!(
            " curl -sS -u {} -d grant_type=client_credentials {}",
            quoted(&format!("{id}:{secret}")),
            quoted(url)
        ),
        Format::CurlForm => format!(
            " curl -sS -d grant_type=client_credentials -d {} -d {} {}",
            quoted(&format!("client_id={id}")),
            quoted(&format!("client_secret={secret}")),
            quoted(url)
        ),
    };
    ClientSecret::from_string(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "Sx7q2LmN9pQ4rT6vW8yZ1aB3cD5eF7gH9jK2mN4pQ6rS8tV0";

    fn id() -> ClientId {
        ClientId::parse("9fK2mA0cZr8LpW3xN5bT7vY1qH4jD6Qa").unwrap()
    }

    #[test]
    fn each_format_holds_both_credentials_and_nothing_to_run_but_curl() {
        let secret = ClientSecret::from_string(SECRET.into());
        let names = CopySettings {
            client_id_env: "PAY_ID".into(),
            client_secret_env: "PAY_SECRET".into(),
        };
        let url = "https://uk.login.example/token";
        let env = text(Format::EnvLines, &names, &id(), &secret, url);
        assert_eq!(
            env.expose(),
            format!("PAY_ID=9fK2mA0cZr8LpW3xN5bT7vY1qH4jD6Qa\nPAY_SECRET={SECRET}\n")
        );
        let basic = text(Format::CurlBasic, &names, &id(), &secret, url);
        assert_eq!(
            basic.expose(),
            format!(
                " curl -sS -u '9fK2mA0cZr8LpW3xN5bT7vY1qH4jD6Qa:{SECRET}' -d grant_type=client_credentials 'https://uk.login.example/token'"
            )
        );
        let form = text(Format::CurlForm, &names, &id(), &secret, url);
        assert_eq!(
            form.expose(),
            format!(
                " curl -sS -d grant_type=client_credentials -d 'client_id=9fK2mA0cZr8LpW3xN5bT7vY1qH4jD6Qa' -d 'client_secret={SECRET}' 'https://uk.login.example/token'"
            )
        );
        // The text never prints itself.
        assert!(!format!("{form:?} {form}").contains(SECRET));
    }

    #[test]
    fn the_endpoint_is_the_token_tests_and_quotes_cannot_break_out() {
        assert_eq!(token_url("local"), LOCAL_TOKEN_URL);
        assert_eq!(
            token_url("https://t.example/token"),
            "https://t.example/token"
        );
        assert_eq!(quoted("a'b"), r"'a'\''b'");
    }
}
