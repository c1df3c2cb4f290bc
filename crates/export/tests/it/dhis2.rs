use awladna_export::{DataValue, Dhis2Mapping, ExportError, dhis2_data_value_set, dhis2_json};
use serde_json::{Value, json};

fn value(indicator: &str, sex: &str, age_band: &str, value: Option<u64>) -> DataValue {
    DataValue {
        indicator: indicator.into(),
        org_unit: "01.051".into(),
        month: "2025-03".into(),
        sex: Some(sex.into()),
        age_band: Some(age_band.into()),
        value,
    }
}

#[test]
fn two_values_and_a_suppressed_one() {
    let mapping = Dhis2Mapping::embedded().unwrap();
    let values = [
        value("cases", "female", "12-14", Some(7)),
        value("cases", "male", "12-14", None),
        DataValue {
            org_unit: "02.111".into(),
            month: "2024-12".into(),
            ..value("referrals_overdue", "unknown", "unknown", Some(0))
        },
    ];
    let set = dhis2_data_value_set(&mapping, &values, "2025-04-01").unwrap();
    let expected = json!({
        "idScheme": "CODE",
        "dataElementIdScheme": "CODE",
        "orgUnitIdScheme": "CODE",
        "categoryOptionComboIdScheme": "CODE",
        "completeDate": "2025-04-01",
        "comment": "Awladna: 1 suppressed value(s) (fewer than 5) left out",
        "dataValues": [
            {
                "dataElement": "AWLADNA_CASES_OPENED",
                "period": "202503",
                "orgUnit": "01.051",
                "categoryOptionCombo": "AWLADNA_F_12_14",
                "value": "7"
            },
            {
                "dataElement": "AWLADNA_REFERRALS_OVERDUE",
                "period": "202412",
                "orgUnit": "02.111",
                "categoryOptionCombo": "AWLADNA_U_UNK",
                "value": "0"
            }
        ]
    });
    assert_eq!(set, expected);
    assert_eq!(
        mapping.import_query(),
        "dataElementIdScheme=CODE&orgUnitIdScheme=CODE&categoryOptionComboIdScheme=CODE&idScheme=CODE"
    );
}

#[test]
fn the_document_is_written_with_the_values_last() {
    let mapping = Dhis2Mapping::embedded().unwrap();
    let set = dhis2_data_value_set(
        &mapping,
        &[value("children", "male", "0-5", Some(3))],
        "2025-04-01",
    )
    .unwrap();
    let bytes = dhis2_json(&set).unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    let values_at = text.find("\"dataValues\"").unwrap();
    for member in ["\"idScheme\"", "\"orgUnitIdScheme\"", "\"completeDate\""] {
        assert!(
            text.find(member).unwrap() < values_at,
            "{member} before dataValues: {text}"
        );
    }
    assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap(), set);
}

#[test]
fn every_monthly_indicator_and_cell_is_mapped() {
    let mapping = Dhis2Mapping::embedded().unwrap();
    assert_eq!(mapping.id_scheme(), "CODE");
    let mut values = Vec::new();
    for indicator in [
        "reports",
        "cases",
        "children",
        "cases_closed",
        "referrals",
        "referrals_overdue",
    ] {
        for sex in ["female", "male", "unknown"] {
            for band in ["0-5", "6-11", "12-14", "15-17", "unknown"] {
                values.push(value(indicator, sex, band, Some(5)));
            }
        }
    }
    let set = dhis2_data_value_set(&mapping, &values, "2025-04-01").unwrap();
    let out = set["dataValues"].as_array().unwrap();
    assert_eq!(out.len(), 6 * 15);
    let combos: std::collections::HashSet<_> = out
        .iter()
        .map(|v| v["categoryOptionCombo"].clone())
        .collect();
    assert_eq!(combos.len(), 15, "one combo per sex and age band");
}

#[test]
fn what_the_mapping_does_not_have_is_an_error() {
    let mapping = Dhis2Mapping::embedded().unwrap();
    let error =
        |values: &[DataValue]| dhis2_data_value_set(&mapping, values, "2025-04-01").unwrap_err();

    let e = error(&[value("runaways", "female", "0-5", Some(9))]);
    assert!(matches!(&e, ExportError::UnknownIndicator(i) if i == "runaways"));
    assert!(e.to_string().contains("runaways"), "{e}");

    // Even a suppressed value must be one the mapping knows.
    let e = error(&[value("cases", "other", "0-5", None)]);
    assert!(matches!(&e, ExportError::UnknownDisaggregation { sex: Some(s), .. } if s == "other"));
    assert!(
        e.to_string().contains("`cases`") && e.to_string().contains("other"),
        "{e}"
    );

    // A total is not a cell of the sex × age band combo.
    let total = DataValue {
        sex: None,
        age_band: None,
        ..value("cases", "female", "0-5", Some(40))
    };
    let e = error(&[total]);
    assert!(matches!(
        e,
        ExportError::UnknownDisaggregation {
            sex: None,
            age_band: None,
            ..
        }
    ));

    let month = DataValue {
        month: "2025-3".into(),
        ..value("cases", "female", "0-5", Some(1))
    };
    assert!(matches!(error(&[month]), ExportError::BadDate(m, _) if m == "2025-3"));

    let no_unit = DataValue {
        org_unit: " ".into(),
        ..value("cases", "female", "0-5", Some(1))
    };
    assert!(matches!(error(&[no_unit]), ExportError::NoOrgUnit(_)));

    let twice = [
        value("cases", "female", "0-5", Some(1)),
        value("cases", "female", "0-5", None),
    ];
    assert!(matches!(error(&twice), ExportError::Duplicate { .. }));

    let e = dhis2_data_value_set(&mapping, &[], "2025-02-30").unwrap_err();
    assert!(matches!(e, ExportError::BadDate(..)));
}

#[test]
fn a_deployment_mapping() {
    let mapping = Dhis2Mapping::from_toml(
        r#"
        id_scheme = "CODE"
        [org_units]
        "01.051" = "MA_RABAT"
        [data_elements]
        reports = { code = "CP_REPORTS", category_combo = "none" }
        [category_combos]
        none = [{ code = "default" }]
        "#,
    )
    .unwrap();
    let total = DataValue {
        sex: None,
        age_band: None,
        ..value("reports", "", "", Some(31))
    };
    let set = dhis2_data_value_set(&mapping, &[total], "2025-04-01").unwrap();
    assert_eq!(
        set["dataValues"],
        json!([{
            "dataElement": "CP_REPORTS",
            "period": "202503",
            "orgUnit": "MA_RABAT",
            "categoryOptionCombo": "default",
            "value": "31"
        }])
    );

    for (bad, says) in [
        (
            "id_scheme = \"CODE\"\n[data_elements]\nreports = { code = \"R\", category_combo = \"sex\" }\n[category_combos]\n",
            "sex",
        ),
        (
            "id_scheme = \"CODE\"\n[data_elements]\n[category_combos]\ns = [{ sex = \"male\", code = \"A\" }, { sex = \"male\", code = \"B\" }]\n",
            "two options",
        ),
        (
            "id_scheme = \"CODE\"\nnonsense = 1\n[data_elements]\n[category_combos]\n",
            "nonsense",
        ),
    ] {
        let e = Dhis2Mapping::from_toml(bad).unwrap_err();
        assert!(
            matches!(&e, ExportError::Mapping(m) if m.contains(says)),
            "{e}"
        );
    }
}
