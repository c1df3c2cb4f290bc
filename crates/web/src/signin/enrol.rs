//! Enrolment of the second factor: a new secret shown as a QR code, then the recovery
//! codes, once the person's app proves it holds the secret.

use super::{client, with_session};
use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::signin::{self as use_case, Refusal, SignInError};
use awladna_core::{Permit, act};
use awladna_crypto::TotpSecret;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "enrol.html")]
pub struct EnrolPage {
    shell: Shell,
    qr: String,
    manual_key: String,
    pending: String,
    message: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "recovery_codes.html")]
pub struct RecoveryCodesPage {
    shell: Shell,
    codes: Vec<String>,
}

/// Shows a new secret as a QR code. The secret travels sealed in the form (so nothing
/// is stored until the user proves their app has it).
pub async fn page(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseOwnAccount>,
    shell: Shell,
) -> Result<EnrolPage, AppError> {
    render(&state, &permit, shell, &TotpSecret::generate(), None)
}

fn render(
    state: &AppState,
    permit: &Permit<act::UseOwnAccount>,
    shell: Shell,
    secret: &TotpSecret,
    message: Option<String>,
) -> Result<EnrolPage, AppError> {
    let account = shell.user.clone().unwrap_or_default();
    let svg = secret
        .otpauth_uri(awladna_crypto::totp::ISSUER, &account)
        .and_then(|uri| awladna_crypto::totp::qr_svg(&uri))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let sealed = use_case::seal_offered_secret(state, permit, secret)?;
    let qr = format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    );
    Ok(EnrolPage {
        shell,
        qr,
        manual_key: secret.to_base32().to_string(),
        pending: URL_SAFE_NO_PAD.encode(sealed),
        message,
    })
}

#[derive(Deserialize)]
pub struct EnrolForm {
    pending: String,
    code: String,
}

pub async fn enrol(
    State(state): State<AppState>,
    Guard(permit): Guard<act::UseOwnAccount>,
    shell: Shell,
    caller: Caller,
    Form(form): Form<EnrolForm>,
) -> Result<Response, AppError> {
    let secret = URL_SAFE_NO_PAD
        .decode(form.pending.as_bytes())
        .ok()
        .and_then(|sealed| use_case::open_offered_secret(&state, &permit, &sealed))
        .ok_or(AppError::refused(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "error-invalid",
        ))?;
    match use_case::enrol(&state, &permit, &client(&caller), &secret, &form.code).await {
        Ok(enrolled) => {
            let page = RecoveryCodesPage {
                shell: Shell {
                    csrf: enrolled.session.csrf.clone(),
                    ..shell
                },
                codes: enrolled.codes,
            };
            Ok(with_session(&state, &enrolled.session, page))
        }
        Err(SignInError::Refused(Refusal::WrongSecondFactor)) => {
            let message = Some(shell.t.get("auth-wrong-second-factor"));
            Ok(render(&state, &permit, shell, &secret, message)?.into_response())
        }
        Err(SignInError::Refused(_)) => Err(AppError::Internal("an enrolment refused".into())),
        Err(SignInError::Core(e)) => Err(e.into()),
    }
}
