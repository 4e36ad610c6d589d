//! The one list of action kinds a step may take.
//!
//! Every place that needs the whole list is generated from the table in `action_kinds!`: the
//! [`ActionKind`] enum and its properties here, the step's action keys in `format.rs`
//! (`StepFile`'s fields and the `ActionFile` the parser lowers) and `Action::kind` in `model.rs`.
//! Parsing ("exactly one action" and its help text), output resolution, which checks fit a step,
//! the settle logic and the kind in reports all ask [`ActionKind`]. So adding a kind is a row here
//! (with its file struct in `format.rs`), then what the compiler asks for: a variant of `Action`,
//! an arm lowering it (`parse/lower.rs`) and an arm executing it (`runner/exec.rs`).

use std::fmt;

use super::model::Check;

/// The table of action kinds, handed to `$then!` so each generated item comes from the same rows.
///
/// A row is `/// description` then `Variant: file_key(FileStruct) => outputs, settles: bool;`.
/// `outputs` is an [`Outputs`] variant. `settles` marks steps whose answer depends on the state
/// a revocation left and which may be asked again within a target's settle window (real AWS
/// revokes eventually): `refresh`, `get_tokens`, `oauth_token`, `userinfo` and `get_user` only
/// look; `global_sign_out` signs the same user out again, which changes nothing a first, wrongly
/// accepted call (a revocation not yet visible) had not already changed.
macro_rules! action_kinds {
    ($then:ident) => {
        $then! {
            /// Sign in with a password (InitiateAuth USER_PASSWORD_AUTH or AdminInitiateAuth).
            SignIn: sign_in(SignIn) => Tokens, settles: false;
            /// Refresh with InitiateAuth/AdminInitiateAuth REFRESH_TOKEN_AUTH or REFRESH_TOKEN.
            Refresh: refresh(Refresh) => Tokens, settles: true;
            /// GetTokensFromRefreshToken.
            GetTokens: get_tokens(GetTokens) => Tokens, settles: true;
            /// RevokeToken.
            RevokeToken: revoke_token(RevokeToken) => Answer, settles: false;
            /// POST /oauth2/revoke on the client's pool domain.
            OAuthRevoke: oauth_revoke(HostedCall) => Answer, settles: false;
            /// POST /oauth2/token (refresh grant) on the client's pool domain.
            OAuthToken: oauth_token(HostedCall) => Tokens, settles: true;
            /// GET /oauth2/userInfo on a pool's domain.
            UserInfo: userinfo(UserInfo) => Answer, settles: true;
            /// GetUser.
            GetUser: get_user(AccessToken) => Answer, settles: true;
            /// GlobalSignOut.
            GlobalSignOut: global_sign_out(AccessToken) => Answer, settles: true;
            /// AdminUserGlobalSignOut.
            AdminSignOut: admin_sign_out(UserRef) => Answer, settles: false;
            /// AdminDisableUser.
            DisableUser: disable_user(UserRef) => Answer, settles: false;
            /// AdminEnableUser.
            EnableUser: enable_user(UserRef) => Answer, settles: false;
            /// UpdateUserPoolClient (a whole-configuration replace).
            UpdateClient: update_client(UpdateClient) => Answer, settles: false;
            /// Any AWS JSON operation with any body.
            Call: call(RawCall) => Answer, settles: false;
            /// Any HTTP request, for the odd cases.
            Http: http(RawHttp) => Answer, settles: false;
            /// Decode a JWT locally (header and claims become outputs).
            Decode: decode(TokenArg) => Decoded, settles: false;
            /// Verify a JWT offline against the pool's JWKS (signature, exp, iss, token_use).
            VerifyOffline: verify_offline(VerifyOffline) => Verified, settles: false;
        }
    };
}
pub(crate) use action_kinds;

/// What a step of a kind produces: the outputs later steps may name, and the checks that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outputs {
    /// The target's answer: `status`, `body.…`, `header.…`; judged by the answer checks.
    Answer,
    /// An answer that issues tokens: also `access_token`, `id_token`, `refresh_token`.
    Tokens,
    /// A JWT decoded locally: `claims.…`, `header.…`; judged by `claim` checks.
    Decoded,
    /// A JWT verified offline: `claims.…`; judged by `offline` checks.
    Verified,
}

/// Outputs every answer has.
const ANSWER_OUTPUTS: [&str; 3] = ["status", "body", "header"];
/// Outputs a token-issuing answer adds.
const TOKEN_OUTPUTS: [&str; 3] = ["access_token", "id_token", "refresh_token"];

impl Outputs {
    /// Whether `path` (`status`, `body.AuthenticationResult`, `claims.sub`, …) names an output.
    /// Tables (`body`, `header`, `claims`) need a member; a whole answer is not a value.
    pub fn has(self, path: &[String]) -> bool {
        let Some(head) = path.first().map(String::as_str) else { return false };
        let member = path.len() >= 2;
        match self {
            Outputs::Decoded => matches!(head, "claims" | "header") && member,
            Outputs::Verified => head == "claims" && member,
            Outputs::Answer | Outputs::Tokens => {
                (ANSWER_OUTPUTS.contains(&head) && (head == "status" || member))
                    || (self == Outputs::Tokens && TOKEN_OUTPUTS.contains(&head))
            }
        }
    }
}

macro_rules! kind_enum {
    ($( #[doc = $about:literal] $variant:ident: $key:ident($file:ty) => $outputs:ident, settles: $settles:literal; )*) => {
        /// A kind of action, named in files and reports by its [`key`](ActionKind::key).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum ActionKind {
            $( #[doc = $about] $variant, )*
        }

        impl ActionKind {
            /// Every kind, in the order the format documents them.
            pub const ALL: &'static [ActionKind] = &[$(ActionKind::$variant),*];

            /// The step key in files, and the kind in reports.
            pub fn key(self) -> &'static str {
                match self { $( ActionKind::$variant => stringify!($key), )* }
            }

            /// What the action does, in one line.
            pub fn about(self) -> &'static str {
                match self { $( ActionKind::$variant => $about.trim(), )* }
            }

            /// What a step of this kind produces.
            pub fn outputs(self) -> Outputs {
                match self { $( ActionKind::$variant => Outputs::$outputs, )* }
            }

            /// Whether its answer may lag a revocation just made, and so may be asked again.
            pub fn settles(self) -> bool {
                match self { $( ActionKind::$variant => $settles, )* }
            }
        }
    };
}
action_kinds!(kind_enum);

impl ActionKind {
    /// The kind a step key names.
    pub fn from_key(key: &str) -> Option<ActionKind> {
        ActionKind::ALL.iter().copied().find(|kind| kind.key() == key)
    }

    /// Whether it is judged on the target's answer (status, body, headers).
    pub fn is_remote(self) -> bool {
        matches!(self.outputs(), Outputs::Answer | Outputs::Tokens)
    }

    /// Whether it yields `access_token`, `id_token` (and maybe `refresh_token`) outputs.
    pub fn yields_tokens(self) -> bool {
        self.outputs() == Outputs::Tokens
    }

    /// Whether `check` can be judged on a step of this kind.
    pub fn admits(self, check: &Check) -> bool {
        match check {
            Check::Claim { .. } => self.outputs() == Outputs::Decoded,
            Check::Offline(_) => self.outputs() == Outputs::Verified,
            _ => self.is_remote(),
        }
    }

    /// The help a step without exactly one action gets: every key.
    pub fn help() -> String {
        let keys: Vec<&str> = ActionKind::ALL.iter().map(|kind| kind.key()).collect();
        format!("actions: {}", keys.join(", "))
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> Vec<String> {
        text.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn every_key_round_trips_and_is_unique() {
        for kind in ActionKind::ALL {
            assert_eq!(ActionKind::from_key(kind.key()), Some(*kind), "{kind:?}");
            assert_eq!(kind.to_string(), kind.key());
            assert!(!kind.about().is_empty() && !kind.about().starts_with(' '), "{kind:?} needs a description");
        }
        assert_eq!(ActionKind::from_key("sign-in"), None);
        assert_eq!(ActionKind::from_key(""), None);
    }

    #[test]
    fn the_help_lists_every_kind_in_order() {
        let help = ActionKind::help();
        let listed: Vec<&str> = help.strip_prefix("actions: ").unwrap().split(", ").collect();
        let keys: Vec<&str> = ActionKind::ALL.iter().map(|kind| kind.key()).collect();
        assert_eq!(listed, keys);
    }

    #[test]
    fn kinds_keep_the_keys_reports_already_use() {
        // Reports, snapshots and baselines name kinds by these strings.
        assert_eq!(ActionKind::RevokeToken.key(), "revoke_token");
        assert_eq!(ActionKind::UserInfo.key(), "userinfo");
        assert_eq!(ActionKind::OAuthToken.key(), "oauth_token");
    }

    #[test]
    fn settling_kinds_are_those_that_read_revocation_state() {
        let settling: Vec<&str> = ActionKind::ALL.iter().filter(|k| k.settles()).map(|k| k.key()).collect();
        assert_eq!(settling, ["refresh", "get_tokens", "oauth_token", "userinfo", "get_user", "global_sign_out"]);
    }

    #[test]
    fn the_readme_lists_every_kind() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README");
        let list = readme.split_once("Actions: ").and_then(|(_, rest)| rest.split_once(". ")).expect("an action list").0;
        for kind in ActionKind::ALL {
            assert!(list.contains(&format!("`{kind}`")), "README's action list lacks `{kind}`");
        }
    }

    #[test]
    fn outputs_follow_the_kind() {
        let sign_in = ActionKind::SignIn.outputs();
        assert!(sign_in.has(&path("status")) && sign_in.has(&path("access_token")));
        assert!(sign_in.has(&path("body.AuthenticationResult")) && !sign_in.has(&path("body")));
        assert!(!ActionKind::RevokeToken.outputs().has(&path("access_token")));
        assert!(ActionKind::Decode.outputs().has(&path("header.kid")));
        assert!(!ActionKind::VerifyOffline.outputs().has(&path("header.kid")));
        assert!(!ActionKind::Decode.outputs().has(&path("status")));
        assert!(!Outputs::Answer.has(&[]));
    }
}
