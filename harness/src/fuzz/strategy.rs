//! Proptest strategies: a case is a *plan* — a surface, a target family, and up to four mutations
//! of the canonical request that would validly revoke (or refresh) that family. Starting from the
//! valid request keeps valid revocations common, which the "wrongly kept alive" properties need;
//! the mutations reach every hostile shape the issue lists. Shrinking drops and simplifies
//! mutations, so a finding shrinks towards "the valid request, changed in one way".

use proptest::prelude::*;
use proptest::sample::select;

use super::attack::{
    AMZ_JSON, ApiBody, Attack, Authorization, Endpoint, FORM, Json, Kind, Mangle, REVOKE_TARGET, Value,
};
use super::world::{Client, Family};

/// What the fuzzer attacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Surface {
    /// RevokeToken on the AWS JSON API.
    RevokeApi,
    /// `POST /oauth2/revoke` on the pool's domain.
    RevokeEndpoint,
    /// `POST /oauth2/token` (refresh grant) on the pool's domain.
    TokenEndpoint,
}

impl Surface {
    /// Every surface.
    pub const ALL: [Surface; 3] = [Surface::RevokeApi, Surface::RevokeEndpoint, Surface::TokenEndpoint];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Surface::RevokeApi => "revoke-api",
            Surface::RevokeEndpoint => "revoke-endpoint",
            Surface::TokenEndpoint => "token-endpoint",
        }
    }
}

/// Which credential field a mutation touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `Token` / `token` / `refresh_token`.
    Token,
    /// `ClientId` / `client_id`.
    ClientId,
    /// `ClientSecret` / `client_secret`.
    Secret,
}

/// How a hosted request presents its client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AuthStyle {
    /// `Authorization: Basic` (client_secret_basic).
    Basic,
    /// `client_id` and `client_secret` in the form (client_secret_post).
    Post,
    /// Basic header plus `client_id` in the form.
    Both,
    /// No client credentials at all.
    Nothing,
    /// A literal Authorization header and nothing else.
    Raw(String),
}

/// A body the API cannot read as the operation's input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RawShape {
    /// The JSON object without its closing brace.
    Unterminated,
    /// The fields as a form body.
    Form,
    /// The values as a JSON array.
    Array,
    /// Literal text.
    Text(String),
}

/// A non-string JSON value for a field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Retype {
    /// A number.
    Number(i64),
    /// A boolean.
    Bool(bool),
    /// `null`.
    Null,
    /// The original value inside an array.
    Array,
    /// The original value inside an object.
    Object,
}

/// One change to the canonical request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Mutation {
    /// Replace the token, or drop it.
    Token(Option<Value>),
    /// Replace the client id, or drop it.
    ClientId(Option<Value>),
    /// Replace, add or drop the secret.
    Secret(Option<Value>),
    /// Send a field as another JSON type (API).
    Retype(Field, Retype),
    /// Add a field the operation does not define, or one it defines but the draft lacks.
    Extra(String, Value),
    /// Send a field a second time, with another value.
    Repeat(Field, Value),
    /// Another `Content-Type`, or none.
    ContentType(Option<String>),
    /// Another `X-Amz-Target`, or none (API).
    Target(Option<String>),
    /// A body the API cannot parse (API).
    Raw(RawShape),
    /// Another client authentication style (hosted).
    Auth(AuthStyle),
    /// Another separator inside the Basic credentials (hosted).
    Separator(String),
}

/// A fuzz case: the canonical request for `family` on `surface`, changed by `mutations`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Plan {
    /// The surface.
    pub surface: Surface,
    /// The family the canonical request is about.
    pub family: Family,
    /// The changes, applied in order.
    pub mutations: Vec<Mutation>,
}

/// The request being built from a plan.
struct Draft {
    target: Option<String>,
    content_type: Option<String>,
    token: Option<Json>,
    client_id: Option<Json>,
    secret: Option<Json>,
    auth: AuthStyle,
    separator: String,
    extras: Vec<(String, Value)>,
    repeats: Vec<(Field, Value)>,
    raw: Option<RawShape>,
}

fn as_value(json: &Option<Json>) -> Option<Value> {
    match json {
        Some(Json::Str(value)) => Some(value.clone()),
        _ => None,
    }
}

impl Plan {
    /// The request the plan describes.
    pub fn attack(&self) -> Attack {
        let client = self.family.client();
        let hosted = self.surface != Surface::RevokeApi;
        let mut draft = Draft {
            target: Some(REVOKE_TARGET.into()),
            content_type: Some(if hosted { FORM } else { AMZ_JSON }.into()),
            token: Some(Json::Str(Value::Token(self.family, Kind::Refresh, Mangle::Exact))),
            client_id: Some(Json::Str(Value::ClientId(client, Mangle::Exact))),
            secret: client.has_secret().then_some(Json::Str(Value::Secret(client, Mangle::Exact))),
            auth: if client.has_secret() { AuthStyle::Basic } else { AuthStyle::Post },
            separator: ":".into(),
            extras: Vec::new(),
            repeats: Vec::new(),
            raw: None,
        };
        for mutation in &self.mutations {
            draft.apply(mutation);
        }
        match self.surface {
            Surface::RevokeApi => draft.api(),
            Surface::RevokeEndpoint => draft.hosted(Endpoint::Revoke),
            Surface::TokenEndpoint => draft.hosted(Endpoint::Token),
        }
    }
}

impl Draft {
    fn apply(&mut self, mutation: &Mutation) {
        match mutation {
            Mutation::Token(value) => self.token = value.clone().map(Json::Str),
            Mutation::ClientId(value) => self.client_id = value.clone().map(Json::Str),
            Mutation::Secret(value) => self.secret = value.clone().map(Json::Str),
            Mutation::Retype(field, retype) => {
                let target = match field {
                    Field::Token => &mut self.token,
                    Field::ClientId => &mut self.client_id,
                    Field::Secret => &mut self.secret,
                };
                let original = target.take().unwrap_or(Json::Null);
                *target = Some(match retype {
                    Retype::Number(n) => Json::Number(*n),
                    Retype::Bool(b) => Json::Bool(*b),
                    Retype::Null => Json::Null,
                    Retype::Array => Json::Array(vec![original]),
                    Retype::Object => Json::Object(vec![("value".into(), original)]),
                });
            }
            Mutation::Extra(name, value) => self.extras.push((name.clone(), value.clone())),
            Mutation::Repeat(field, value) => self.repeats.push((*field, value.clone())),
            Mutation::ContentType(value) => self.content_type.clone_from(value),
            Mutation::Target(value) => self.target.clone_from(value),
            Mutation::Raw(shape) => self.raw = Some(shape.clone()),
            Mutation::Auth(style) => self.auth = style.clone(),
            Mutation::Separator(separator) => self.separator.clone_from(separator),
        }
    }

    fn api(self) -> Attack {
        let text = |s: &str| Value::Text(s.into());
        let body = match &self.raw {
            None => {
                let mut members = Vec::new();
                for (name, json) in
                    [("Token", &self.token), ("ClientId", &self.client_id), ("ClientSecret", &self.secret)]
                {
                    if let Some(json) = json {
                        members.push((name.to_owned(), json.clone()));
                    }
                }
                members.extend(self.extras.iter().map(|(name, value)| (name.clone(), Json::Str(value.clone()))));
                for (field, value) in &self.repeats {
                    let name = match field {
                        Field::Token => "Token",
                        Field::ClientId => "ClientId",
                        Field::Secret => "ClientSecret",
                    };
                    members.push((name.to_owned(), Json::Str(value.clone())));
                }
                ApiBody::Object(members)
            }
            Some(shape) => {
                let values: Vec<(&str, Value)> = [
                    ("Token", as_value(&self.token)),
                    ("ClientId", as_value(&self.client_id)),
                    ("ClientSecret", as_value(&self.secret)),
                ]
                .into_iter()
                .filter_map(|(name, value)| Some((name, value?)))
                .collect();
                let mut pieces = Vec::new();
                match shape {
                    RawShape::Unterminated => {
                        pieces.push(text("{ "));
                        for (i, (name, value)) in values.into_iter().enumerate() {
                            pieces.push(text(&format!("{}\"{name}\": \"", if i > 0 { ", " } else { "" })));
                            pieces.push(value);
                            pieces.push(text("\""));
                        }
                    }
                    RawShape::Form => {
                        for (i, (name, value)) in values.into_iter().enumerate() {
                            pieces.push(text(&format!("{}{name}=", if i > 0 { "&" } else { "" })));
                            pieces.push(value);
                        }
                    }
                    RawShape::Array => {
                        pieces.push(text("[ "));
                        for (i, (_, value)) in values.into_iter().enumerate() {
                            pieces.push(text(if i > 0 { ", \"" } else { "\"" }));
                            pieces.push(value);
                            pieces.push(text("\""));
                        }
                        pieces.push(text(" ]"));
                    }
                    RawShape::Text(literal) => pieces.push(text(literal)),
                }
                ApiBody::Raw(pieces)
            }
        };
        Attack::Api { target: self.target, content_type: self.content_type, body }
    }

    fn hosted(self, endpoint: Endpoint) -> Attack {
        let token_field = if endpoint == Endpoint::Token { "refresh_token" } else { "token" };
        let mut form = Vec::new();
        if endpoint == Endpoint::Token {
            form.push(("grant_type".to_owned(), Value::Text("refresh_token".into())));
        }
        let token = as_value(&self.token);
        let client_id = as_value(&self.client_id);
        let secret = as_value(&self.secret);
        if let Some(token) = token {
            form.push((token_field.to_owned(), token));
        }
        let basic = || Authorization::Basic {
            user: client_id.clone(),
            separator: self.separator.clone(),
            password: secret.clone(),
        };
        let authorization = match &self.auth {
            AuthStyle::Basic => basic(),
            AuthStyle::Both => {
                form.extend(client_id.clone().map(|id| ("client_id".to_owned(), id)));
                basic()
            }
            AuthStyle::Post => {
                form.extend(client_id.clone().map(|id| ("client_id".to_owned(), id)));
                form.extend(secret.clone().map(|secret| ("client_secret".to_owned(), secret)));
                Authorization::None
            }
            AuthStyle::Nothing => Authorization::None,
            AuthStyle::Raw(value) => Authorization::Raw(value.clone()),
        };
        form.extend(self.extras);
        for (field, value) in self.repeats {
            let name = match field {
                Field::Token => token_field,
                Field::ClientId => "client_id",
                Field::Secret => "client_secret",
            };
            form.push((name.to_owned(), value));
        }
        Attack::Hosted { endpoint, content_type: self.content_type, authorization, form }
    }
}

/// Literal text with neither `{` nor `}` (so it is never a template hole).
fn literal(header_safe: bool) -> BoxedStrategy<String> {
    let printable = "[ -z|~]{0,40}";
    let mut choices: Vec<(u32, BoxedStrategy<String>)> = vec![
        (2, Just(String::new()).boxed()),
        (4, "[A-Za-z0-9_+]{1,64}".boxed()),
        (3, printable.boxed()),
        (1, select(vec![23usize, 24, 64, 65, 128, 129, 8193]).prop_map(|n| "a".repeat(n)).boxed()),
        (
            1,
            select(vec!["NONE", "LINKED", "refresh_token", "access_token", "null", "0", "%00", "a b", "+"])
                .prop_map(str::to_owned)
                .boxed(),
        ),
    ];
    if !header_safe {
        choices.push((2, "[^{}]{0,24}".boxed()));
    }
    proptest::strategy::Union::new_weighted(choices).boxed()
}

fn mangle() -> impl Strategy<Value = Mangle> {
    prop_oneof![
        8 => Just(Mangle::Exact),
        2 => (0usize..64).prop_map(Mangle::Prefix),
        1 => Just(Mangle::Upper),
        1 => select(vec!["x", "=", ".", " ", "%20", "\u{00e9}"]).prop_map(|s| Mangle::Suffix(s.to_owned())),
        1 => Just(Mangle::Url),
    ]
}

fn family() -> impl Strategy<Value = Family> {
    prop_oneof![6 => Just(Family::Victim), 4 => select(Family::ALL.to_vec())]
}

fn token() -> impl Strategy<Value = Value> {
    let kind = prop_oneof![4 => Just(Kind::Refresh), 1 => Just(Kind::Access), 1 => Just(Kind::Id)];
    (family(), kind, mangle()).prop_map(|(family, kind, mangle)| Value::Token(family, kind, mangle))
}

fn client_id() -> impl Strategy<Value = Value> {
    (select(Client::ALL.to_vec()), mangle()).prop_map(|(client, mangle)| Value::ClientId(client, mangle))
}

fn secret() -> impl Strategy<Value = Value> {
    let with_secret: Vec<Client> = Client::ALL.into_iter().filter(|c| c.has_secret()).collect();
    (select(with_secret), mangle()).prop_map(|(client, mangle)| Value::Secret(client, mangle))
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => token(),
        2 => client_id(),
        2 => secret(),
        2 => literal(false).prop_map(Value::Text),
    ]
}

fn field() -> impl Strategy<Value = Field> {
    select(vec![Field::Token, Field::ClientId, Field::Secret])
}

fn content_type(hosted: bool) -> impl Strategy<Value = Option<String>> {
    let usual = if hosted { FORM } else { AMZ_JSON };
    prop_oneof![
        2 => Just(Some(usual.to_owned())),
        1 => Just(None),
        3 => select(vec![
            AMZ_JSON,
            "application/x-amz-json-1.0",
            "application/json",
            FORM,
            "application/x-www-form-urlencoded; charset=UTF-8",
            "APPLICATION/X-WWW-FORM-URLENCODED",
            "text/plain",
            "multipart/form-data; boundary=x",
        ])
        .prop_map(|s| Some(s.to_owned())),
        1 => literal(true).prop_map(Some),
    ]
}

fn amz_target() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        3 => select(vec![
            "awscognitoidentityproviderservice.revoketoken",
            "AWSCognitoIdentityProviderService.revokeToken",
            "AWSCognitoIdentityProviderService.GetUser",
            "AWSCognitoIdentityProviderService.",
            "AWSCognitoIdentityProviderService.RevokeToken.",
            "RevokeToken",
            "AWSCognitoIdentityProviderService.RevokeTokenX",
        ])
        .prop_map(|s| Some(s.to_owned())),
        1 => literal(true).prop_map(Some),
    ]
}

fn retype() -> impl Strategy<Value = Retype> {
    prop_oneof![
        any::<i64>().prop_map(Retype::Number),
        any::<bool>().prop_map(Retype::Bool),
        Just(Retype::Null),
        Just(Retype::Array),
        Just(Retype::Object),
    ]
}

fn raw_shape() -> impl Strategy<Value = RawShape> {
    prop_oneof![
        Just(RawShape::Unterminated),
        Just(RawShape::Form),
        Just(RawShape::Array),
        literal(false).prop_map(RawShape::Text),
    ]
}

fn auth_style() -> impl Strategy<Value = AuthStyle> {
    prop_oneof![
        2 => Just(AuthStyle::Basic),
        2 => Just(AuthStyle::Post),
        2 => Just(AuthStyle::Both),
        1 => Just(AuthStyle::Nothing),
        2 => select(vec!["Basic", "Basic ", "Basic !!!!", "Basic ZGVm", "Basic Og==", "Bearer x", "basic", "Digest a=b"])
            .prop_map(|s| AuthStyle::Raw(s.to_owned())),
    ]
}

fn extra(surface: Surface) -> impl Strategy<Value = (String, Value)> {
    let names: Vec<&str> = match surface {
        Surface::RevokeApi => vec!["RevokeAssociatedSessions", "token", "AccessToken", "Unknown", "ClientMetadata"],
        _ => vec!["token_type_hint", "token", "refresh_token", "client_id", "client_secret", "scope", "grant_type"],
    };
    (select(names).prop_map(str::to_owned), value())
}

fn mutation(surface: Surface) -> BoxedStrategy<Mutation> {
    let common = prop_oneof![
        4 => proptest::option::weighted(0.85, token()).prop_map(Mutation::Token),
        3 => proptest::option::weighted(0.85, client_id()).prop_map(Mutation::ClientId),
        3 => proptest::option::weighted(0.7, secret()).prop_map(Mutation::Secret),
        2 => extra(surface).prop_map(|(name, value)| Mutation::Extra(name, value)),
        2 => (field(), value()).prop_map(|(field, value)| Mutation::Repeat(field, value)),
        1 => content_type(surface != Surface::RevokeApi).prop_map(Mutation::ContentType),
    ];
    match surface {
        Surface::RevokeApi => prop_oneof![
            10 => common,
            1 => amz_target().prop_map(Mutation::Target),
            2 => (field(), retype()).prop_map(|(field, retype)| Mutation::Retype(field, retype)),
            1 => raw_shape().prop_map(Mutation::Raw),
        ]
        .boxed(),
        _ => prop_oneof![
            10 => common,
            3 => auth_style().prop_map(Mutation::Auth),
            1 => select(vec!["", "%3A", "::", " : "]).prop_map(|s| Mutation::Separator(s.to_owned())),
        ]
        .boxed(),
    }
}

/// Plans on the given surfaces.
pub fn plans(surfaces: Vec<Surface>) -> BoxedStrategy<Plan> {
    select(surfaces)
        .prop_flat_map(|surface| {
            // Fewer unmutated plans than a uniform length would give: each valid revocation costs
            // a fresh sign-in, and one in ten is plenty to catch a family that survives.
            let mutations = prop_oneof![
                1 => proptest::collection::vec(mutation(surface), 0..=0),
                4 => proptest::collection::vec(mutation(surface), 1..=2),
                3 => proptest::collection::vec(mutation(surface), 3..=4),
            ];
            (Just(surface), family(), mutations).prop_map(|(surface, family, mutations)| Plan {
                surface,
                family,
                mutations,
            })
        })
        .boxed()
}
