use super::{Mapping, RefusalReason, normalise};
use crate::reference::Reference;
use serde_json::{Value, json};

fn reference() -> Reference {
    Reference::embedded().expect("reference")
}

fn record() -> Value {
    json!({
        "record_id": "L2511-2026-000123",
        "channel": "ligne_2511",
        "received_at": "2026-11-23T09:14:00+01:00",
        "violence": ["violence physique", "إهمال"],
        "priority": "urgent",
        "place": {"province": "Salé", "commune": "Bouknadel"},
        "caller": {"type": "mère", "name": "فاطمة", "phone": "0612345678"},
        "child": {"first_name": "Yassine", "sex": "M", "age": 9},
        "perpetrator": {"relation": "père"},
        "summary": "Il arrive à l'école avec des bleus."
    })
}

#[test]
fn a_record_maps_to_the_reporting_card() {
    let r = reference();
    let mapped = r.observatory().map(&record()).expect("maps");
    assert_eq!(mapped.record_id, "L2511-2026-000123");
    assert_eq!(mapped.source, "line_2511");
    assert_eq!(mapped.caller, "family");
    assert_eq!(mapped.territory, "sale");
    assert_eq!(mapped.commune.as_deref(), Some("04.441.01.08"));
    assert_eq!(mapped.urgency, "high");
    assert_eq!(mapped.mapping_version, 1);
    let card = &mapped.report;
    assert_eq!(card["concerns"], json!(["physical_violence", "neglect"]));
    assert_eq!(card["child.sex"], "male");
    assert_eq!(card["child.age_years"], 9);
    assert_eq!(card["author.relation"], "father");
    assert_eq!(card["reporter.name"], "فاطمة");
    assert_eq!(card["narrative"], "Il arrive à l'école avec des bleus.");
    // The reporting card's own form accepts what the adapter made.
    let form = r.form("report").expect("form");
    let now = "2026-12-01T00:00:00Z".parse().expect("now");
    form.check(card, crate::forms::Completeness::Complete, &r, now)
        .expect("a complete card");
}

#[test]
fn an_unmapped_value_is_refused_with_its_field_and_value() {
    let r = reference();
    let mut rec = record();
    rec["violence"] = json!(["violence physique", "cyberharcèlement"]);
    rec["caller"]["type"] = json!("chauffeur de taxi");
    let refusals = r.observatory().map(&rec).expect_err("refused");
    assert_eq!(refusals.len(), 2, "{refusals:?}");
    assert_eq!(refusals[0].field, "violence[1]");
    assert_eq!(refusals[0].value.as_deref(), Some("cyberharcèlement"));
    assert_eq!(refusals[0].reason, RefusalReason::Unmapped);
    assert_eq!(refusals[1].field, "caller.type");
    assert_eq!(refusals[1].value.as_deref(), Some("chauffeur de taxi"));
}

#[test]
fn places_are_found_by_name_alias_or_alone_and_never_guessed() {
    let r = reference();
    let m = r.observatory();
    let place = |p: Value| {
        let mut rec = record();
        rec["place"] = p;
        m.map(&rec)
    };
    let arabic = place(json!({"province": "سلا", "commune": "سيدي أبي القنادل"})).expect("ar");
    assert_eq!(arabic.commune.as_deref(), Some("04.441.01.08"));
    let alias = place(json!({"province": "Témara"})).expect("alias");
    assert_eq!(
        (alias.territory.as_str(), alias.commune),
        ("skhirate-temara", None)
    );
    let alone = place(json!({"commune": "Harhoura"})).expect("a commune named once");
    assert_eq!(alone.territory, "skhirate-temara");
    let err = place(json!({"province": "Atlantis"})).expect_err("unknown province");
    assert_eq!(err[0].field, "place.province");
    assert_eq!(err[0].value.as_deref(), Some("Atlantis"));
    let err = place(json!({"province": "Rabat", "commune": "Bouknadel"})).expect_err("elsewhere");
    assert_eq!(err[0].reason, RefusalReason::CommuneOutsideProvince);
    let err = place(json!({})).expect_err("no place");
    assert_eq!(err[0].field, "place.province");
    assert_eq!(err[0].reason, RefusalReason::Missing);
}

#[test]
fn a_commune_name_found_in_several_provinces_is_ambiguous_without_its_province() {
    let r = reference();
    // Find a commune name the files hold twice, in two provinces.
    let mut seen = std::collections::HashMap::new();
    let twice = r
        .communes()
        .iter()
        .find_map(
            |c| match seen.insert(normalise(&c.name_fr), c.territory_code.clone()) {
                Some(other) if other != c.territory_code => Some(c.clone()),
                _ => None,
            },
        )
        .expect("a name held twice");
    let mut rec = record();
    rec["place"] = json!({"commune": twice.name_fr});
    let err = r.observatory().map(&rec).expect_err("ambiguous");
    assert_eq!(err[0].reason, RefusalReason::Ambiguous);
    assert_eq!(err[0].value.as_deref(), Some(twice.name_fr.as_str()));
    rec["place"]["province"] = json!(twice.territory_code);
    assert_eq!(
        r.observatory()
            .map(&rec)
            .expect("with its province")
            .commune,
        Some(twice.hcp_code)
    );
}

#[test]
fn unknown_and_malformed_fields_are_named_and_personal_values_not_repeated() {
    let r = reference();
    let mut rec = record();
    rec["colour"] = json!("blue");
    rec["child"]["nickname"] = json!("Yassou");
    rec["child"]["age"] = json!("neuf");
    rec["caller"]["name"] = json!(["not", "a", "text"]);
    rec.as_object_mut().expect("object").remove("priority");
    let err = r.observatory().map(&rec).expect_err("refused");
    let fields: Vec<(&str, &str)> = err
        .iter()
        .map(|e| (e.field.as_str(), e.reason.code()))
        .collect();
    for expected in [
        ("colour", "unknown_field"),
        ("child.nickname", "unknown_field"),
        ("child.age", "wrong_type"),
        ("caller.name", "wrong_type"),
        ("priority", "missing"),
    ] {
        assert!(fields.contains(&expected), "{expected:?} in {fields:?}");
    }
    assert!(err.iter().all(|e| e.value.is_none()), "{err:?}");
    assert_eq!(
        r.observatory()
            .map(&json!([1, 2]))
            .expect_err("not an object")[0]
            .field,
        "record"
    );
}

#[test]
fn the_mapping_file_is_checked_against_the_vocabularies() {
    let r = reference();
    let text = super::mapping::EMBEDDED.1;
    let broken = text.replacen(
        "\"VP\" = [\"physical_violence\"]",
        "\"VP\" = [\"punching\"]",
        1,
    );
    let err = Mapping::parse("observatory/mapping.v1.toml", &broken, &r).expect_err("bad code");
    assert!(
        err.contains("\"punching\"") && err.contains("concerns"),
        "{err}"
    );
    let clash = text.replacen("\"P4\" = \"low\"", "\"P4\" = \"low\"\n\"p4\" = \"high\"", 1);
    assert!(Mapping::parse("observatory/mapping.v1.toml", &clash, &r).is_err());
    assert!(
        Mapping::parse("observatory/mapping.v2.toml", text, &r).is_err(),
        "version"
    );
    let alias = text.replacen("\"Sala\" = \"sale\"", "\"Sala\" = \"atlantis\"", 1);
    assert!(
        Mapping::parse("observatory/mapping.v1.toml", &alias, &r)
            .expect_err("alias")
            .contains("atlantis")
    );
}
