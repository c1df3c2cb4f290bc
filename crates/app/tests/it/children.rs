//! Duplicates and name search on the encrypted store: spellings across scripts meet,
//! other provinces' children stay out of sight.

use crate::support::{Backend, TestApp, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

struct Centre {
    app: TestApp,
    session: (String, String),
}

impl Centre {
    async fn post(&self, path: &str, body: &Value) -> crate::support::Answer {
        self.app.post_as(&self.session, path, body, &[]).await
    }

    async fn report(&self, first: &str, last: &str, age: i64, mother: Option<&str>) -> String {
        let mut child =
            json!({"first_name": first, "last_name": last, "sex": "male", "age_years": age});
        if let Some(mother) = mother {
            child["mother_name"] = json!(mother);
        }
        let body = json!({"source": "school", "received_at": "2026-11-22T09:00:00Z", "territory": "sale", "child": child, "concerns": ["neglect"], "urgency": "medium"});
        self.post("/api/v1/reports", &body).await.json()["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    async fn child(&self, first: &str, last: &str, age: i64, mother: Option<&str>) -> String {
        let report = self.report(first, last, age, mother).await;
        self.post(
            &format!("/api/v1/reports/{report}/triage"),
            &json!({"new_child": true}),
        )
        .await
        .json()["child_id"]
            .as_str()
            .expect("child")
            .to_owned()
    }
}

async fn the_same_child_is_proposed_whatever_the_spelling(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let nadia = app
        .user("nadia", "sale-centre", &[Role::CaseWorker], true)
        .await;
    let session = app.session(&nadia).await;
    let centre = Centre { app, session };
    let mohamed = centre
        .child("Mohamed", "Benali", 12, Some("Fatima Zahra"))
        .await;
    let mahmoud = centre.child("Mahmoud", "Benali", 7, None).await;
    centre.child("Youssef", "Tazi", 12, None).await;

    let new = centre
        .report("محمد", "بن علي", 12, Some("فاطمة الزهراء"))
        .await;
    let answer = centre
        .app
        .get_with(
            &format!("/api/v1/reports/{new}/candidates"),
            &[("cookie", &centre.session.0)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let list = answer.json();
    let list = list.as_array().expect("list");
    assert_eq!(
        list.first().and_then(|c| c["child_id"].as_str()),
        Some(mohamed.as_str()),
        "{list:?}"
    );
    let reasons = list[0]["reasons"].as_array().expect("reasons");
    for reason in ["name_spelled_differently", "birth_year", "mother_name"] {
        assert!(
            reasons.iter().any(|r| r == reason),
            "{reason} missing from {reasons:?}"
        );
    }
    assert_eq!(
        list[0]["first_name"], "Mohamed",
        "the user sees who the candidate is"
    );
    let mahmoud_score = list
        .iter()
        .find(|c| c["child_id"] == mahmoud.as_str())
        .map_or(0.0, |c| c["score"].as_f64().unwrap_or(0.0));
    assert!(
        list[0]["score"].as_f64().unwrap_or(0.0) > mahmoud_score + 0.2,
        "Mahmoud is not Mohamed"
    );
    assert!(!list.iter().any(|c| c["first_name"] == "Youssef"));

    let linked = centre
        .post(
            &format!("/api/v1/reports/{new}/triage"),
            &json!({"child_id": mohamed}),
        )
        .await;
    assert_eq!(linked.json()["child_id"], mohamed.as_str());
    centre.app.finish().await;
}
on_each_backend!(the_same_child_is_proposed_whatever_the_spelling);

async fn name_search_finds_children_of_ones_province_only(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    let nadia = app
        .user("nadia", "sale-centre", &[Role::CaseWorker], true)
        .await;
    let rabat = app
        .user("rabat.worker", "rabat-centre", &[Role::CaseWorker], true)
        .await;
    let session = app.session(&nadia).await;
    let centre = Centre { app, session };
    let wafae = centre.child("Ouafae", "El Amrani", 9, None).await;
    centre.child("Karim", "Idrissi", 15, None).await;

    let search = |q: &'static str| {
        let cookie = centre.session.0.clone();
        let app = &centre.app;
        async move {
            app.get_with(&format!("/api/v1/children?q={q}"), &[("cookie", &cookie)])
                .await
        }
    };
    let found = search("Wafaa%20Amrani").await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(
        found.json()[0]["child_id"],
        wafae.as_str(),
        "{}",
        found.body
    );
    let arabic = search("%D9%88%D9%81%D8%A7%D8%A1").await;
    assert_eq!(
        arabic.json()[0]["child_id"],
        wafae.as_str(),
        "وفاء finds Ouafae: {}",
        arabic.body
    );
    assert_eq!(search("").await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let (cookie, _) = centre.app.session(&rabat).await;
    let other = centre
        .app
        .get_with("/api/v1/children?q=Wafaa%20Amrani", &[("cookie", &cookie)])
        .await;
    assert_eq!(
        other.json(),
        json!([]),
        "Rabat does not see Salé's children"
    );
    names_are_indexed_by_blind_tokens_only(&centre.app, &wafae, "Ouafae", "El Amrani").await;
    centre.app.finish().await;
}
on_each_backend!(name_search_finds_children_of_ones_province_only);

/// The stored tokens of a child (recorded without a mother's name nor a commune) are
/// exactly the keyed blind indexes of the identity's keys: none is the name, its normal form or a key in clear, nor a hash of them that
/// anyone could compute without the index key, nor what another key would give.
async fn names_are_indexed_by_blind_tokens_only(
    app: &TestApp,
    child: &str,
    first: &str,
    last: &str,
) {
    use awladna_domain::names::{child_keys, loose_key, normalize, phonetic_key};
    use std::collections::BTreeSet;
    let stored: BTreeSet<Vec<u8>> =
        sqlx::query_scalar::<_, Vec<u8>>("SELECT token FROM child_name_tokens WHERE child_id = $1")
            .bind(child)
            .fetch_all(app.store.pool_for_tests())
            .await
            .expect("tokens")
            .into_iter()
            .collect();
    let keys = child_keys(first, last, "");
    assert!(!keys.is_empty(), "a named child has keys");
    let keyed: BTreeSet<Vec<u8>> = keys
        .iter()
        .map(|k| app.keyring.blind_index("child-name", k).to_vec())
        .collect();
    assert_eq!(stored, keyed, "one keyed token per key, nothing else");

    let whole = format!("{first} {last}");
    let mut plain: Vec<String> = keys.clone();
    for name in [first, last, whole.as_str()] {
        plain.extend([
            name.to_owned(),
            name.to_lowercase(),
            normalize(name),
            loose_key(name),
            phonetic_key(name),
        ]);
    }
    plain.extend(keys.iter().map(|k| format!("child-name\0{k}")));
    let other = awladna_crypto::Keyring::generate();
    let mut guesses: Vec<(String, Vec<u8>)> = Vec::new();
    for text in &plain {
        let hash = awladna_crypto::hash_token(text);
        guesses.push((format!("{text:?} in clear"), text.as_bytes().to_vec()));
        guesses.push((
            format!("{text:?} cut to 16 bytes"),
            text.as_bytes().iter().take(16).copied().collect(),
        ));
        guesses.push((format!("SHA-256 of {text:?}"), hash.to_vec()));
        guesses.push((
            format!("SHA-256 of {text:?} cut to 16 bytes"),
            hash[..16].to_vec(),
        ));
        guesses.push((
            format!("{text:?} under another key"),
            other.blind_index("child-name", text).to_vec(),
        ));
    }
    for (what, guess) in guesses {
        assert!(!stored.contains(&guess), "a stored token is {what}");
    }
}

async fn a_two_word_first_name_is_found_whole_or_by_one_word(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.organisation("sale-centre", "family_solidarity", Some("sale"))
        .await;
    let nadia = app
        .user("nadia", "sale-centre", &[Role::CaseWorker], true)
        .await;
    let session = app.session(&nadia).await;
    let centre = Centre { app, session };
    let fatima_zahra = centre.child("Fatima Zahra", "Bennani", 10, None).await;
    let arabic = centre.child("فاطمة الزهراء", "العلوي", 6, None).await;
    centre.child("Fatima", "Tazi", 10, None).await;
    centre.child("Zahra", "Idrissi", 10, None).await;

    let first = |q: &str| {
        let path = format!("/api/v1/children?q={}", q.replace(' ', "%20"));
        let cookie = centre.session.0.clone();
        let app = &centre.app;
        async move {
            let found = app.get_with(&path, &[("cookie", &cookie)]).await;
            assert_eq!(found.status, StatusCode::OK, "{}", found.body);
            found.json()[0]["child_id"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        }
    };
    for q in [
        "Fatima Zahra Bennani",
        "Fatima-Zahra Bennani",
        "Fatimazahra Bennani",
        "Fatima Ezzahra Bennani",
        "Bennani Fatima Zahra",
        "Zahra Bennani",
    ] {
        assert_eq!(first(q).await, fatima_zahra, "{q}");
    }
    assert_eq!(
        first("Fatima Zahra Alaoui").await,
        arabic,
        "across scripts, the article dropped"
    );

    // A report that calls her by one of her names proposes her.
    let report = centre.report("Zahra", "Bennani", 10, None).await;
    let candidates = centre
        .app
        .get_with(
            &format!("/api/v1/reports/{report}/candidates"),
            &[("cookie", &centre.session.0)],
        )
        .await
        .json();
    assert!(
        candidates
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["child_id"] == fatima_zahra.as_str()),
        "{candidates}"
    );
    centre.app.finish().await;
}
on_each_backend!(a_two_word_first_name_is_found_whole_or_by_one_word);
