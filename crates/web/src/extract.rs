//! What handlers take from a request besides the state: the authorised action (a
//! `Guard`), a JSON body whose faults answer in the API's error shape (`ApiJson`), and
//! what every page carries (`Shell`).

use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::menu::{MenuEntry, Place};
use crate::state::AppState;
use awladna_core::{Act, Permit};
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// The policy's permit for the action `A`, for the signed-in caller. The route's gate
/// already asked the policy for the route's action; a handler that names `A` gets the
/// typed proof its use case asks for, or the refusal.
pub struct Guard<A: Act>(pub Permit<A>);

impl<A: Act> FromRequestParts<AppState> for Guard<A> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, AppError> {
        let who = parts
            .extensions
            .get::<Caller>()
            .and_then(Caller::who)
            .ok_or(AppError::SignIn)?;
        Ok(Guard(Permit::check(who)?))
    }
}

/// A JSON body. A body that is not JSON, too large or of the wrong shape is refused
/// with the API's error shape, in the caller's language.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        match <axum::Json<T> as FromRequest<S>>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(AppError::BadBody(rejection.status())),
        }
    }
}

/// An optional JSON body: none when the request has no `Content-Type`; one sent that
/// cannot be read is refused as `ApiJson` refuses it.
impl<T: DeserializeOwned, S: Send + Sync> OptionalFromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, AppError> {
        match <axum::Json<T> as OptionalFromRequest<S>>::from_request(request, state).await {
            Ok(body) => Ok(body.map(|axum::Json(value)| ApiJson(value))),
            Err(rejection) => Err(AppError::BadBody(rejection.status())),
        }
    }
}

/// What every page template carries around its content: the translator, the place
/// (for the language links), the signed-in user's name, the CSRF token its forms
/// send back, and the menu entries the user may open.
#[derive(Debug, Clone)]
pub struct Shell {
    pub t: Tr,
    pub here: String,
    pub user: Option<String>,
    pub csrf: String,
    pub menu: Vec<MenuEntry>,
}

impl Shell {
    /// The same shell, placed at another path (a page answered to a form's POST).
    pub fn at(mut self, here: impl Into<String>) -> Shell {
        self.here = here.into();
        self
    }

    /// The shell of `caller`'s page at `here`: a person still to give their second
    /// factor has no menu yet.
    pub fn for_caller(t: Tr, here: String, caller: Option<&Caller>) -> Shell {
        let signed_in = caller.filter(|c| !c.pending_second_factor);
        Shell {
            t,
            here,
            user: caller.and_then(|c| c.username.clone()),
            csrf: caller.map(|c| c.csrf.clone()).unwrap_or_default(),
            menu: crate::menu::entries_for(signed_in.and_then(|c| c.actor.as_ref())),
        }
    }

    /// The menu entries of the header, then those of the footer.
    pub fn header_menu(&self) -> impl Iterator<Item = &MenuEntry> {
        self.menu.iter().filter(|e| e.place == Place::Header)
    }

    pub fn footer_menu(&self) -> impl Iterator<Item = &MenuEntry> {
        self.menu.iter().filter(|e| e.place == Place::Footer)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Shell {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Shell::for_caller(
            Tr::new(crate::i18n::request_lang(parts)),
            parts.uri.path().to_owned(),
            parts.extensions.get::<Caller>(),
        ))
    }
}
