//! The web shell: Arabic first and right-to-left, French and English on demand,
//! forms rendered from their definitions, errors next to the field.

use crate::support::{Backend, TestApp, on_each_backend};
use axum::http::StatusCode;

async fn arabic_is_the_default_and_languages_switch(backend: Backend) {
    let app = TestApp::start(backend).await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("<html lang=\"ar\" dir=\"rtl\">"),
        "{}",
        &home.body[..200]
    );
    assert!(home.body.contains("مسار الحماية"));
    assert!(
        home.body.contains("الرصد"),
        "the stages come from the vocabulary"
    );

    // A French or English browser still gets Arabic until the user chooses otherwise.
    let by_browser = app
        .get_with("/", &[("accept-language", "en-GB,en;q=0.8")])
        .await;
    assert!(by_browser.body.contains("<html lang=\"ar\" dir=\"rtl\">"));

    let switch = app.get("/lang/fr?next=%2Fforms").await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.header("location"), "/forms");
    let cookie = switch.header("set-cookie").to_owned();
    assert!(
        cookie.starts_with("awladna_lang=fr;") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let french = app
        .get_with(
            "/forms",
            &[("cookie", "awladna_lang=fr"), ("accept-language", "ar")],
        )
        .await;
    assert!(french.body.contains("<html lang=\"fr\" dir=\"ltr\">"));
    assert!(french.body.contains("Fiche de signalement"));

    // A crafted link cannot send the user to another site.
    for next in [
        "%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example",
        "%2F%5Cevil.example",
    ] {
        let answer = app.get(&format!("/lang/en?next={next}")).await;
        assert_eq!(answer.header("location"), "/", "{next}");
    }
    assert_eq!(app.get("/lang/xx").await.status, StatusCode::NOT_FOUND);
    app.finish().await;
}
on_each_backend!(arabic_is_the_default_and_languages_switch);

async fn the_reporting_card_renders_from_its_definition(backend: Backend) {
    let app = TestApp::start(backend).await;
    let page = app.get("/forms/report").await;
    assert_eq!(page.status, StatusCode::OK);
    for expected in [
        "بطاقة التبليغ",
        "name=\"child.first_name\"",
        "type=\"radio\" name=\"source\" value=\"line_2511\"",
        "type=\"checkbox\" name=\"concerns\"",
        "name=\"received_at\" value=\"2026-11-23T11:00\"",
        "<optgroup",
    ] {
        assert!(page.body.contains(expected), "missing {expected}");
    }
    assert_eq!(
        app.get("/forms/nothing").await.status,
        StatusCode::NOT_FOUND
    );
    let communes = app.get("/fragments/communes?territory=sale").await;
    assert!(
        communes.body.contains("<option value=\"04.441"),
        "{}",
        communes.body
    );
    app.finish().await;
}
on_each_backend!(the_reporting_card_renders_from_its_definition);

async fn a_wrong_card_comes_back_with_everything_typed_kept(backend: Backend) {
    let app = TestApp::start(backend).await;
    let hostile = "<script>alert('x')</script> وفاء";
    let (cookie, csrf) = app.anonymous_csrf().await;
    let without = app
        .post_form("/forms/report", &[], &[("source", "line_2511")])
        .await;
    assert_eq!(
        without.status,
        StatusCode::FORBIDDEN,
        "a form without its CSRF token is refused"
    );
    assert!(without.body.contains("<html lang=\"ar\""));
    let answer = app
        .post_form(
            "/forms/report",
            &[("cookie", &cookie)],
            &[
                ("_csrf", &csrf),
                ("source", "line_2511"),
                ("territory", "sale"),
                ("child.first_name", hostile),
                ("child.age_years", "40"),
                ("concerns", "neglect"),
                ("concerns", "physical_violence"),
                ("_action", "complete"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &answer.body;
    assert!(
        !body.contains("<script>alert"),
        "hostile text must be escaped"
    );
    assert!(
        body.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62; وفاء")
            || body.contains("&lt;script&gt;"),
        "kept, escaped"
    );
    assert!(
        body.contains("أدخلوا عددا بين"),
        "the age error is next to its field"
    );
    assert!(body.contains("هذه الخانة إجبارية"), "urgency is required");
    assert!(
        body.contains("value=\"neglect\" checked")
            && body.contains("value=\"physical_violence\" checked")
    );
    assert!(body.contains("value=\"line_2511\" checked"));

    let draft = app
        .post_form(
            "/forms/report",
            &[("cookie", &cookie)],
            &[
                ("_csrf", &csrf),
                ("child.sex", "female"),
                ("_action", "draft"),
            ],
        )
        .await;
    assert_eq!(draft.status, StatusCode::OK);
    assert!(draft.body.contains("المسودة صحيحة"));
    app.finish().await;
}
on_each_backend!(a_wrong_card_comes_back_with_everything_typed_kept);

async fn reference_page_lists_every_vocabulary(backend: Backend) {
    let app = TestApp::start(backend).await;
    let page = app
        .get_with("/reference", &[("cookie", "awladna_lang=en")])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for expected in [
        "line_2511",
        "Salé",
        "physical_violence",
        "public_prosecution",
    ] {
        assert!(page.body.contains(expected), "missing {expected}");
    }
    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("الصفحة غير موجودة"));
    app.finish().await;
}
on_each_backend!(reference_page_lists_every_vocabulary);
