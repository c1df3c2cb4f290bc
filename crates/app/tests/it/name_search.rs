//! Name search at scale (issue 21): every child whose full name is written or sounds
//! like the query is in the answer, exact spellings first, then phonetic ones, then
//! those sharing one name; pages go past the first 20; the birth year, sex, mother's
//! name and commune narrow and re-rank; bad values are their field's problem.

use crate::support::{Answer, Backend, TestApp, TestUser, on_each_backend};
use awladna_domain::access::Role;
use axum::http::StatusCode;
use serde_json::json;
use std::collections::BTreeSet;

/// Exact spellings of "Mohamed Alaoui", other spellings of it, and children sharing
/// only one of the names.
const EXACT: usize = 24;
const PHONETIC: usize = 4;
const PARTIAL: usize = 3;

pub(crate) struct Province {
    pub(crate) app: TestApp,
    pub(crate) nadia: TestUser,
    session: (String, String),
}

/// One child recorded as a report and triaged into a new case.
struct Recorded<'a> {
    first: &'a str,
    last: &'a str,
    sex: &'a str,
    /// Given as a birth date (1 March), else the child's age.
    born: Option<i64>,
    age: i64,
    mother: Option<&'a str>,
    commune: Option<&'a str>,
}

impl Province {
    pub(crate) async fn open(backend: Backend) -> Province {
        let app = TestApp::start(backend).await;
        app.organisation("sale-centre", "family_solidarity", Some("sale"))
            .await;
        let nadia = app
            .user("nadia", "sale-centre", &[Role::CaseWorker], true)
            .await;
        let session = app.session(&nadia).await;
        Province {
            app,
            nadia,
            session,
        }
    }

    async fn record(&self, c: Recorded<'_>) -> String {
        let mut child = json!({"first_name": c.first, "last_name": c.last, "sex": c.sex});
        match c.born {
            Some(year) => child["birth_date"] = json!(format!("{year}-03-01")),
            None => child["age_years"] = json!(c.age),
        }
        if let Some(mother) = c.mother {
            child["mother_name"] = json!(mother);
        }
        let mut report = json!({"source": "school", "received_at": "2026-11-22T09:00:00Z",
            "territory": "sale", "child": child, "concerns": ["neglect"], "urgency": "medium"});
        if let Some(commune) = c.commune {
            report["commune"] = json!(commune);
        }
        let made = self
            .app
            .post_as(&self.session, "/api/v1/reports", &report, &[])
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let id = made.json()["id"].as_str().expect("id").to_owned();
        let triaged = self
            .app
            .post_as(
                &self.session,
                &format!("/api/v1/reports/{id}/triage"),
                &json!({"new_child": true}),
                &[],
            )
            .await;
        triaged.json()["child_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{}", triaged.body))
            .to_owned()
    }

    async fn search(&self, query: &str) -> Answer {
        self.app
            .get_with(
                &format!("/api/v1/children?{query}"),
                &[("cookie", &self.session.0)],
            )
            .await
    }

    async fn communes(&self) -> Vec<String> {
        let list = self
            .app
            .get("/api/v1/reference/territories/sale/communes")
            .await
            .json();
        list.as_array()
            .expect("communes")
            .iter()
            .map(|c| c["hcp_code"].as_str().expect("code").to_owned())
            .collect()
    }

    /// The Mohamed case: many children of one province named alike. Answers the ids
    /// (exact, phonetic, partial), the one looked for (born in 2016, the only one that
    /// year) and the one whose mother is Khadija.
    pub(crate) async fn mohameds(&self) -> (Vec<String>, Vec<String>, Vec<String>, String, String) {
        let commune = self.communes().await.into_iter().next();
        let mut exact = Vec::new();
        for i in 0..EXACT - 2 {
            // Ages 2 to 6 and 13 to 17: born 2020–2024 or 2009–2013, never 2014–2018.
            let age = [2, 3, 4, 5, 6, 13, 14, 15, 16, 17][i % 10];
            let mother = (i == 5).then_some("Khadija Benjelloun");
            let spelled = ["Mohamed", "MOHAMED", "mohamed"][i % 3];
            let recorded = Recorded {
                first: spelled,
                last: if i % 2 == 0 { "Alaoui" } else { "El Alaoui" },
                sex: "male",
                born: None,
                age,
                mother,
                commune: commune.as_deref().filter(|_| i == 7),
            };
            exact.push(self.record(recorded).await);
        }
        let khadija = exact[5].clone();
        // Recorded last: the largest id, so the last exact match when nothing re-ranks.
        let wanted = self
            .record(Recorded {
                first: "Mohamed",
                last: "Alaoui",
                sex: "male",
                born: Some(2016),
                age: 0,
                mother: None,
                commune: None,
            })
            .await;
        exact.push(wanted.clone());
        let mut phonetic = Vec::new();
        for (first, last, age) in [
            ("Mohammed", "Alaoui", 10),
            ("Muhammad", "Alaoui", 10),
            ("محمد", "العلوي", 10),
            ("Mohammed", "El Alaoui", 10),
            ("Alaoui", "Mohamed", 3),
        ] {
            let recorded = Recorded {
                first,
                last,
                sex: "male",
                born: None,
                age,
                mother: None,
                commune: None,
            };
            phonetic.push(self.record(recorded).await);
        }
        // "Alaoui Mohamed" inverted is spelled alike once sorted: exact, not phonetic.
        exact.push(phonetic.pop().expect("inverted"));
        let mut partial = Vec::new();
        for (first, last, sex) in [
            ("Mohamed", "Bennani", "male"),
            ("Salma", "Alaoui", "female"),
            ("Mohamed", "Tazi", "male"),
        ] {
            let recorded = Recorded {
                first,
                last,
                sex,
                born: None,
                age: 8,
                mother: None,
                commune: None,
            };
            partial.push(self.record(recorded).await);
        }
        self.record(Recorded {
            first: "Youssef",
            last: "Idrissi",
            sex: "male",
            born: None,
            age: 8,
            mother: None,
            commune: None,
        })
        .await;
        (exact, phonetic, partial, wanted, khadija)
    }
}

fn ids(answer: &Answer) -> Vec<String> {
    answer
        .json()
        .as_array()
        .unwrap_or_else(|| panic!("a list: {}", answer.body))
        .iter()
        .map(|c| c["child_id"].as_str().expect("id").to_owned())
        .collect()
}

fn matches(answer: &Answer) -> Vec<String> {
    answer
        .json()
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| c["match"].as_str().expect("match").to_owned())
        .collect()
}

fn set(ids: &[String]) -> BTreeSet<String> {
    ids.iter().cloned().collect()
}

async fn every_mohamed_is_found_paged_and_the_birth_year_brings_the_right_one(backend: Backend) {
    let province = Province::open(backend).await;
    let (exact, phonetic, partial, wanted, khadija) = province.mohameds().await;
    let q = "q=Mohamed%20Alaoui";

    let first = province.search(q).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let all = EXACT + PHONETIC + PARTIAL;
    assert_eq!(first.header("x-total-count"), all.to_string());
    assert_eq!(
        first.header("x-match-count"),
        (EXACT + PHONETIC).to_string()
    );
    assert_eq!(first.header("x-exact-count"), EXACT.to_string());
    assert_eq!(first.header("x-pages"), "2");
    let page1 = ids(&first);
    assert_eq!(page1.len(), 20, "a page holds 20");
    assert!(matches(&first).iter().all(|m| m == "exact"));
    assert!(
        !page1.contains(&wanted),
        "without the birth year the child is past the first page"
    );

    let second = province.search(&format!("{q}&page=2")).await;
    assert_eq!(second.header("x-page"), "2");
    let page2 = ids(&second);
    assert_eq!(page2.len(), all - 20);
    // Exact spellings, then phonetic ones, then partial matches.
    let kinds = [matches(&first), matches(&second)].concat();
    let expected: Vec<&str> = [
        vec!["exact"; EXACT],
        vec!["phonetic"; PHONETIC],
        vec!["partial"; PARTIAL],
    ]
    .concat();
    assert_eq!(kinds, expected);
    let both = [page1.clone(), page2.clone()].concat();
    assert_eq!(set(&both).len(), all, "no child on two pages");
    assert_eq!(set(&both[..EXACT]), set(&exact));
    assert_eq!(set(&both[EXACT..EXACT + PHONETIC]), set(&phonetic));
    assert_eq!(set(&both[EXACT + PHONETIC..]), set(&partial));
    assert!(
        page2.contains(&wanted),
        "every Mohamed Alaoui is in the answer"
    );

    let past = province.search(&format!("{q}&page=9")).await;
    assert_eq!(past.status, StatusCode::OK);
    assert_eq!(past.json(), json!([]));
    assert_eq!(past.header("x-total-count"), all.to_string());

    // The birth year narrows (born 2014–2018, or of unknown year) and puts the child
    // born that year first.
    let born = province.search(&format!("{q}&birth_year=2016")).await;
    let narrowed = ids(&born);
    assert_eq!(narrowed.first(), Some(&wanted), "{}", born.body);
    assert_eq!(
        narrowed.len(),
        1 + PHONETIC + PARTIAL,
        "the others are born too far from 2016: {}",
        born.body
    );

    // The mother's name re-ranks; nothing is left out for it.
    let mother = province
        .search(&format!("{q}&mother=Khadija%20Benjelloun"))
        .await;
    assert_eq!(ids(&mother).first(), Some(&khadija));
    assert_eq!(mother.header("x-total-count"), all.to_string());

    // Sex narrows: Salma Alaoui leaves; girls' search keeps only her.
    let boys = province.search(&format!("{q}&sex=male")).await;
    assert_eq!(boys.header("x-total-count"), (all - 1).to_string());
    let girls = province.search(&format!("{q}&sex=female")).await;
    assert_eq!(ids(&girls), vec![partial[1].clone()]);

    // A commune re-ranks.
    let commune = province.communes().await.remove(0);
    let here = province.search(&format!("{q}&commune={commune}")).await;
    assert_eq!(ids(&here).first(), Some(&exact[7]), "{}", here.body);

    // An Arabic query finds the same children: spelled otherwise, all are phonetic.
    let arabic = province
        .search("q=%D9%85%D8%AD%D9%85%D8%AF%20%D8%A7%D9%84%D8%B9%D9%84%D9%88%D9%8A")
        .await;
    assert_eq!(
        arabic.header("x-match-count"),
        (EXACT + PHONETIC).to_string()
    );
    assert_eq!(arabic.header("x-exact-count"), "1", "محمد العلوي itself");

    // One word: every child with that name, the family names being anything.
    let one = province.search("q=Alaoui").await;
    assert_eq!(
        one.header("x-match-count"),
        (EXACT + PHONETIC + 1).to_string(),
        "every Alaoui, Salma included"
    );
    province.app.finish().await;
}
on_each_backend!(every_mohamed_is_found_paged_and_the_birth_year_brings_the_right_one);

async fn the_search_page_pages_and_invites_narrowing(backend: Backend) {
    let province = Province::open(backend).await;
    let (_, _, _, _, _) = province.mohameds().await;
    let (cookie, csrf) = &province.session;
    let post = |pairs: Vec<(&'static str, String)>| {
        let app = &province.app;
        async move {
            let mut all = vec![("_csrf", csrf.clone())];
            all.extend(pairs);
            let pairs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form("/children/search", &[("cookie", cookie)], &pairs)
                .await
        }
    };
    let page = post(vec![("q", "Mohamed Alaoui".into())]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let many = (EXACT + PHONETIC).to_string();
    assert!(
        page.body.contains("طفلا يحملون هذا الاسم") && page.body.contains(&many),
        "the page invites the birth year or the mother's name: {}",
        page.body
    );
    assert!(
        page.body.contains("name=\"page\" value=\"2\""),
        "a next page"
    );
    assert_eq!(page.body.matches("نفس الكتابة").count(), 20);
    let next = post(vec![
        ("q", "Mohamed Alaoui".into()),
        ("page", "2".into()),
        ("sex", String::new()),
        ("birth_year", String::new()),
    ])
    .await;
    assert_eq!(next.status, StatusCode::OK);
    assert!(
        next.body.contains("نطق مماثل"),
        "phonetic matches on page 2"
    );
    let narrowed = post(vec![
        ("q", "Mohamed Alaoui".into()),
        ("birth_year", "2016".into()),
    ])
    .await;
    assert!(!narrowed.body.contains("يحملون هذا الاسم"));
    assert!(narrowed.body.contains("value=\"2016\""), "the year stays");
    let bad = post(vec![("q", "Mohamed".into()), ("birth_year", "soon".into())]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("role=\"alert\""));
    province.app.finish().await;
}
on_each_backend!(the_search_page_pages_and_invites_narrowing);

async fn hostile_values_are_each_their_fields_problem(backend: Backend) {
    let province = Province::open(backend).await;
    province
        .record(Recorded {
            first: "Wafae",
            last: "Amrani",
            sex: "female",
            born: None,
            age: 9,
            mother: None,
            commune: None,
        })
        .await;
    let long = "%D9%85".repeat(121);
    let rabat_commune = {
        let list = province
            .app
            .get("/api/v1/reference/territories/rabat/communes")
            .await
            .json();
        list[0]["hcp_code"].as_str().expect("a commune").to_owned()
    };
    for (query, field) in [
        ("q=%07Wafae", "q"),
        (&format!("q={long}") as &str, "q"),
        ("q=Wafae&birth_year=soon", "birth_year"),
        ("q=Wafae&birth_year=1800", "birth_year"),
        ("q=Wafae&birth_year=99999999999999999999", "birth_year"),
        ("q=Wafae&sex=robot", "sex"),
        ("q=Wafae&mother=%E2%80%AE", "mother"),
        (&format!("q=Wafae&mother={long}"), "mother"),
        (&format!("q=Wafae&commune={rabat_commune}"), "commune"),
        ("q=Wafae&page=two", "page"),
    ] {
        let answer = province.search(query).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            answer.body
        );
        assert_eq!(answer.json()["fields"][0]["field"], field, "{query}");
    }
    for harmless in [
        "q=%27%3B%20DROP%20TABLE%20children%3B%20--",
        "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "q=Wafae&page=-5",
        "q=Wafae&page=9223372036854775807",
        "q=%D9%88%D9%81%D8%A7%D8%A1&sex=unknown",
    ] {
        let answer = province.search(harmless).await;
        assert_eq!(answer.status, StatusCode::OK, "{harmless}: {}", answer.body);
    }
    let arabic = province.search("q=%D9%88%D9%81%D8%A7%D8%A1").await;
    assert_eq!(arabic.json().as_array().map(Vec::len), Some(1), "وفاء");
    province.app.finish().await;
}
on_each_backend!(hostile_values_are_each_their_fields_problem);

async fn other_provinces_and_other_roles_find_nobody(backend: Backend) {
    let province = Province::open(backend).await;
    province.mohameds().await;
    let app = &province.app;
    app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
        .await;
    let rabat = app
        .user("rabat.worker", "rabat-centre", &[Role::CaseWorker], true)
        .await;
    let (cookie, _) = app.session(&rabat).await;
    let other = app
        .get_with(
            "/api/v1/children?q=Mohamed%20Alaoui",
            &[("cookie", &cookie)],
        )
        .await;
    assert_eq!(other.status, StatusCode::OK);
    assert_eq!(
        other.json(),
        json!([]),
        "Rabat sees none of Salé's children"
    );
    assert_eq!(other.header("x-total-count"), "0");

    app.organisation("sale-stats", "family_solidarity", Some("sale"))
        .await;
    for role in [Role::FocalPoint, Role::Secretariat, Role::CommitteeMember] {
        let name = format!("user-{}", role.code());
        let user = app.user(&name, "sale-stats", &[role], true).await;
        let (cookie, _) = app.session(&user).await;
        let refused = app
            .get_with(
                "/api/v1/children?q=Mohamed%20Alaoui",
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{role:?}");
        assert!(!refused.body.contains("Alaoui"), "{role:?}");
    }
    province.app.finish().await;
}
on_each_backend!(other_provinces_and_other_roles_find_nobody);

/// Children recorded before migration 0023 lack its tokens (exact spelling, mother's
/// name, commune): the maintenance pass completes them, resumes after the last batch it
/// committed, and runs once.
async fn children_recorded_before_the_upgrade_are_completed_once(backend: Backend) {
    use awladna_core::maintenance::{NAME_TOKENS, complete_name_tokens};
    let province = Province::open(backend).await;
    let commune = province.communes().await.into_iter().next();
    let recorded = |first, mother| Recorded {
        first,
        last: "Alaoui",
        sex: "male",
        born: Some(2015),
        age: 0,
        mother,
        commune: commune.as_deref(),
    };
    let older = province.record(recorded("Mohamed", None)).await;
    let newer = province
        .record(recorded("Youssef", Some("Khadija Benjelloun")))
        .await;
    // As a database upgraded from before 0023: no token at all for these two, the pass due
    // and already past the older child (as if cut after its batch).
    let pool = province.app.store.pool_for_tests();
    sqlx::query("DELETE FROM child_name_tokens")
        .execute(pool)
        .await
        .expect("tokens dropped");
    sqlx::query("UPDATE maintenance_passes SET cursor = $1, done_at = NULL WHERE name = $2")
        .bind(older.as_str())
        .bind(NAME_TOKENS)
        .execute(pool)
        .await
        .expect("pass due");
    let youssef = "q=Youssef%20Alaoui&mother=Khadija%20Benjelloun";
    assert_eq!(province.search(youssef).await.json(), json!([]));

    let core = awladna_core::Core::new(
        province.app.store.clone(),
        crate::support::reference(),
        province.app.clock.clone(),
        province.app.keyring.clone(),
    );
    let mut heard = Vec::new();
    let done = complete_name_tokens(&core, |n| heard.push(n))
        .await
        .expect("pass");
    assert_eq!(done, 1, "resumed after the older child");
    assert_eq!(heard, vec![1]);
    let found = province.search(youssef).await;
    assert_eq!(ids(&found), vec![newer.clone()]);
    assert_eq!(found.header("x-exact-count"), "1", "spelled exactly again");
    let by_commune = province
        .search(&format!(
            "q=Youssef%20Alaoui&commune={}",
            commune.as_deref().expect("a commune")
        ))
        .await;
    assert_eq!(ids(&by_commune), vec![newer]);
    // The older child was before the cursor: not done by this run.
    let mohamed = province.search("q=Mohamed%20Alaoui").await;
    assert!(!ids(&mohamed).contains(&older), "{}", mohamed.body);

    assert_eq!(
        complete_name_tokens(&core, |_| {}).await.expect("again"),
        0,
        "a finished pass does nothing"
    );
    let trace = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_pending WHERE action = 'maintenance.name_tokens'",
    )
    .fetch_one(pool)
    .await
    .expect("audited");
    assert_eq!(trace, 2, "one entry per batch and one at the end");
    province.app.finish().await;
}
on_each_backend!(children_recorded_before_the_upgrade_are_completed_once);
