//! The language switch of a form page without JavaScript (issue 18, defect 7): the
//! form's own buttons post what was typed, and the same form comes back in the other
//! language with it, stored nowhere; a crafted target stays on this site.

use crate::support::{Backend, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;

async fn a_form_changes_language_without_losing_what_was_typed(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let nadia = app
        .signed_in("nadia", "sale-centre", &[Role::CaseWorker])
        .await;
    let case = crate::journeys::sale_case(&nadia, "سلمى").await;
    let path = format!("/cases/{case}/cards/followup");
    let blank = nadia.get(&path).await;
    assert!(
        blank.body.contains("formaction=\"/lang/form\""),
        "the form offers the switch"
    );
    assert!(blank.body.contains("value=\"fr\""));
    for (lang, said) in [("fr", "lang=\"fr\""), ("en", "lang=\"en\"")] {
        let switched = nadia
            .post_page(
                "/lang/form",
                &[
                    ("_lang", lang),
                    ("_form", "followup"),
                    ("_to", &path),
                    ("_here", &path),
                    ("contact.date", "2026-12-07"),
                    ("situation.notes", "زيارة منزلية: الطفلة بخير <i>اليوم</i>"),
                ],
            )
            .await;
        assert_eq!(switched.status, StatusCode::OK, "{}", switched.body);
        assert!(switched.body.contains(said), "the page is in {lang}");
        assert!(
            switched.body.contains("2026-12-07"),
            "the date typed is kept"
        );
        assert!(
            switched.body.contains("زيارة منزلية"),
            "the notes typed are kept"
        );
        assert!(switched.body.contains("&#60;i&#62;اليوم"), "escaped");
        assert!(
            switched.body.contains(&format!("action=\"{path}\"")),
            "it still saves to the case"
        );
        assert!(
            switched.body.contains("04441-2026-000001"),
            "the case is named"
        );
        assert!(
            crate::support::set_cookie(&switched, "awladna_lang").is_some_and(|c| c.contains(lang)),
            "the language is remembered"
        );
    }
    // Nothing was stored by switching.
    let cards = nadia
        .get(&format!("/api/v1/cases/{case}/cards/followup"))
        .await;
    assert!(!cards.body.contains("زيارة منزلية"));
    // A crafted target stays on this site; an unknown form or language is not found.
    let crafted = nadia
        .post_page(
            "/lang/form",
            &[
                ("_lang", "fr"),
                ("_form", "followup"),
                ("_to", "https://evil.example/x"),
            ],
        )
        .await;
    assert_eq!(crafted.status, StatusCode::OK);
    assert!(!crafted.body.contains("evil.example"));
    for (lang, form) in [("xx", "followup"), ("fr", "nothing")] {
        let refused = nadia
            .post_page(
                "/lang/form",
                &[("_lang", lang), ("_form", form), ("_to", &path)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
    }
    app.finish().await;
}
on_each_backend!(a_form_changes_language_without_losing_what_was_typed);
