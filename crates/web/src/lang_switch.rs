//! The language switch of a form page without JavaScript (issue 18, defect 7): the
//! form's own submit buttons «Français», «English», «العربية» post what was typed here
//! with `formnovalidate`; this page remembers the language and shows the same form again
//! in it, with the values posted, nothing stored and nothing kept anywhere (the same as
//! a form shown again after an error). With JavaScript, `keep.js` still keeps the form
//! across the header's links; these buttons are what works on every phone.

use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::Shell;
use crate::i18n::{LANG_COOKIE, Tr};
use crate::state::AppState;
use awladna_core::cases::Use;
use awladna_domain::Lang;
use awladna_domain::access::Action;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Shows the posted form again in the language of its `_lang` button.
pub async fn switch_on_form(
    State(state): State<AppState>,
    shell: Shell,
    caller: Caller,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let lang = field("_lang")
        .and_then(|code| code.parse::<Lang>().ok())
        .ok_or(AppError::NotFound)?;
    let form = field("_form")
        .and_then(|code| state.reference.form(code))
        .ok_or(AppError::NotFound)?;
    // The form posts where it posted before: only a path of this site.
    let action = crate::signin::local_path(field("_to"));
    let here = crate::signin::local_path(field("_here"));
    let kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "_lang" | "_form" | "_to" | "_here"))
        .cloned()
        .collect();
    let (values, _, _) = crate::forms::read_submission(form, kept);
    let t = Tr::new(lang);
    let _ = shell;
    // A form of a case names its case and shows its flags again, for a reader allowed
    // to work on it.
    let case_id = action
        .strip_prefix("/cases/")
        .and_then(|rest| rest.split('/').next())
        .map(str::to_owned);
    let case = match (case_id, caller.who()) {
        (Some(id), Some(who)) => state
            .case_for(&who, &id, Action::WorkOnCase, Use::Change)
            .await
            .ok(),
        _ => None,
    };
    let (_, mut page) = crate::forms::storing_page(
        t,
        here,
        &caller,
        form,
        &state.reference,
        action,
        &values,
        &[],
        case.as_ref(),
    );
    if let Some(case) = &case {
        page.flags = crate::cases::flags::banner(&state, &case.id).await?;
    }
    let cookie = format!("{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly");
    Ok(([(header::SET_COOKIE, cookie)], page).into_response())
}
