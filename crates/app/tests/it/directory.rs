//! The directory of services and the public help page: kept by the province's
//! coordinator, secretariat and administrator; hostile input refused with a clear
//! message and nothing lost; imports all or nothing with a line-by-line report; the
//! public views (API and help page) without private contacts and without any child.

use crate::support::{Answer, Backend, TestApp, TestUser, on_each_backend};
use awladna_domain::access::Role;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;
use std::io::Write;

/// Salé with its centre and hospital, Rabat with its centre, and a user per role.
pub(crate) struct Province {
    pub(crate) app: TestApp,
}

impl Province {
    pub(crate) async fn open(backend: Backend) -> Province {
        let app = TestApp::start(backend).await;
        app.organisation("sale-centre", "family_solidarity", Some("sale"))
            .await;
        app.organisation("sale-hospital", "health", Some("sale"))
            .await;
        app.organisation("rabat-centre", "family_solidarity", Some("rabat"))
            .await;
        Province { app }
    }

    pub(crate) async fn user(&self, name: &str, org: &str, role: Role) -> (String, String) {
        let user: TestUser = self
            .app
            .user(name, org, &[role], role.requires_two_factor())
            .await;
        self.app.session(&user).await
    }

    pub(crate) async fn save(
        &self,
        session: &(String, String),
        org: &str,
        pairs: &[(&str, &str)],
    ) -> Answer {
        let mut all = vec![("_csrf", session.1.as_str())];
        all.extend_from_slice(pairs);
        self.app
            .post_form(
                &format!("/directory/organisations/{org}"),
                &[("cookie", session.0.as_str())],
                &all,
            )
            .await
    }

    pub(crate) async fn page(&self, session: &(String, String), path: &str) -> Answer {
        self.app
            .get_with(path, &[("cookie", session.0.as_str())])
            .await
    }

    pub(crate) async fn import(
        &self,
        session: &(String, String),
        name: &str,
        bytes: &[u8],
    ) -> Answer {
        let boundary = "awladna-test-boundary";
        let mut body = Vec::new();
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"territory\"\r\n\r\nsale\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .expect("write");
        body.extend_from_slice(bytes);
        write!(body, "\r\n--{boundary}--\r\n").expect("write");
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.app
            .request(
                Method::POST,
                &format!("/directory/import?_csrf={}", session.1),
                &[
                    ("cookie", session.0.as_str()),
                    ("content-type", content_type.as_str()),
                ],
                Body::from(body),
            )
            .await
    }

    pub(crate) async fn entry(&self, org: &str) -> Option<awladna_domain::directory::Entry> {
        self.app
            .store
            .directory_listing(org)
            .await
            .expect("read")
            .expect("organisation")
            .entry
    }
}

/// A good entry for the Salé centre: a public contact and a private one.
const CENTRE: &[(&str, &str)] = &[
    ("address", "شارع محمد الخامس، سلا"),
    ("opening_hours", "الاثنين إلى الجمعة 8:30-16:30"),
    ("latitude", "34,0531"),
    ("longitude", "-6.7985"),
    ("services", "listening"),
    ("services", "social_inquiry"),
    ("public", "on"),
    ("contacts.0.name", "الاستقبال"),
    ("contacts.0.role", "Accueil"),
    ("contacts.0.phone", "05 37 12 34 56"),
    ("contacts.1.name", "Mme Bennani"),
    ("contacts.1.role", "Coordinatrice"),
    ("contacts.1.phone", "0661 99 88 77"),
    ("contacts.1.email", "bennani@centre-sale.ma"),
    ("contacts.1.private", "on"),
];

async fn keepers_describe_their_province_and_only_theirs(backend: Backend) {
    let p = Province::open(backend).await;
    let coordinator = p.user("coord", "sale-centre", Role::Coordinator).await;
    for (name, role) in [
        ("sec", Role::Secretariat),
        ("adm", Role::Administrator),
        ("coord2", Role::Coordinator),
    ] {
        let session = p.user(name, "sale-centre", role).await;
        assert_eq!(
            p.page(&session, "/directory").await.status,
            StatusCode::OK,
            "{role}"
        );
    }
    for (name, role) in [("worker", Role::CaseWorker), ("focal", Role::FocalPoint)] {
        let session = p.user(name, "sale-hospital", role).await;
        assert_eq!(
            p.page(&session, "/directory").await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        assert_eq!(
            p.save(&session, "sale-hospital", &[("address", "x")])
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }

    let saved = p.save(&coordinator, "sale-centre", CENTRE).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let entry = p.entry("sale-centre").await.expect("saved");
    assert_eq!(entry.address, "شارع محمد الخامس، سلا");
    assert_eq!(entry.position.expect("position").lat_e6, 34_053_100);
    assert_eq!(entry.contacts[0].phone.as_deref(), Some("+212537123456"));
    assert!(entry.contacts[1].private && !entry.contacts[0].private);

    let list = p.page(&coordinator, "/directory").await;
    assert!(list.body.contains("شارع محمد الخامس") && list.body.contains("<svg"));
    assert!(
        !list.body.contains("rabat-centre"),
        "only Salé's organisations"
    );
    let edit = p
        .page(&coordinator, "/directory/organisations/sale-centre")
        .await;
    assert!(edit.body.contains("value=\"05 37 12 34 56\""));

    // Another province's organisation does not exist for them, to read or to write.
    let other = p
        .page(&coordinator, "/directory/organisations/rabat-centre")
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let written = p.save(&coordinator, "rabat-centre", CENTRE).await;
    assert_eq!(written.status, StatusCode::NOT_FOUND);
    assert!(p.entry("rabat-centre").await.is_none(), "nothing written");
    let asked = p.page(&coordinator, "/directory?territory=rabat").await;
    assert_eq!(asked.status, StatusCode::NOT_FOUND);

    // A national administrator chooses the province, and may describe it.
    p.app
        .organisation("ministry", "family_solidarity", None)
        .await;
    let national = p.user("national", "ministry", Role::Administrator).await;
    let picker = p.page(&national, "/directory").await;
    assert_eq!(picker.status, StatusCode::OK);
    assert!(picker.body.contains("name=\"territory\"") && !picker.body.contains("org-list"));
    let rabat = p.page(&national, "/directory?territory=rabat").await;
    assert!(rabat.body.contains("rabat-centre"));
    let saved = p
        .save(&national, "rabat-centre", &[("address", "الرباط")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert!(saved.header("location").contains("territory=rabat"));
    // The ministry itself has no province: it is in no province's directory.
    let ministry = p.page(&national, "/directory/organisations/ministry").await;
    assert_eq!(ministry.status, StatusCode::NOT_FOUND);
    p.app.finish().await;
}
on_each_backend!(keepers_describe_their_province_and_only_theirs);

async fn hostile_input_is_refused_clearly_and_nothing_is_lost(backend: Backend) {
    let p = Province::open(backend).await;
    let coordinator = p.user("coord", "sale-centre", Role::Coordinator).await;
    let hostile = "<script>alert(1)</script> مركز & 'x'";
    let cases: &[(&str, &str, &str)] = &[
        ("contacts.0.phone", "call me maybe", "هذا ليس رقم هاتف"),
        ("latitude", "48.8566", "خارج المغرب"),
        ("opening_hours", "8:30\u{0007}16:30", "غير المرئية"),
        ("contacts.0.email", "not-an-email", "ليس عنوان بريد"),
    ];
    for (field, bad, message) in cases {
        // Everything right but the field under test.
        let mut pairs: Vec<(&str, &str)> = vec![
            ("address", hostile),
            ("latitude", "34.05"),
            ("longitude", "-6.8"),
            ("contacts.0.name", "نادية"),
            ("contacts.0.phone", "0537123456"),
        ];
        pairs.retain(|(k, _)| k != field);
        pairs.push((field, bad));
        let answer = p.save(&coordinator, "sale-centre", &pairs).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(answer.body.contains(message), "{field}: {message}");
        // What was typed comes back, escaped: nothing lost, nothing run.
        assert!(
            answer
                .body
                .contains("&#60;script&#62;alert(1)&#60;/script&#62; مركز &#38; &#39;x&#39;")
                || answer
                    .body
                    .contains("&lt;script&gt;alert(1)&lt;/script&gt; مركز &amp; &#x27;x&#x27;"),
            "{field}: the address is kept, escaped"
        );
        assert!(!answer.body.contains("<script>alert"), "{field}");
        assert!(
            answer.body.contains("نادية"),
            "{field}: the contact is kept"
        );
        assert!(
            p.entry("sale-centre").await.is_none(),
            "{field}: nothing saved"
        );
    }
    let swapped = p
        .save(
            &coordinator,
            "sale-centre",
            &[("latitude", "-6.8"), ("longitude", "34.05")],
        )
        .await;
    assert!(
        swapped.body.contains("مقلوبان"),
        "swapped coordinates are named"
    );

    // Hostile text that is not wrong is kept as typed and shown escaped.
    let saved = p
        .save(
            &coordinator,
            "sale-centre",
            &[("address", hostile), ("public", "on")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        p.entry("sale-centre").await.expect("saved").address,
        hostile
    );
    let help = p.app.get("/help/sale").await;
    assert!(
        !help.body.contains("<script>alert"),
        "escaped on the help page"
    );

    // Two people editing at once: the second save is refused and keeps its text.
    let edit = p
        .page(&coordinator, "/directory/organisations/sale-centre")
        .await;
    let version = edit
        .body
        .split("name=\"_version\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("version")
        .to_owned();
    let first = p
        .save(
            &coordinator,
            "sale-centre",
            &[("_version", &version), ("address", "أولا")],
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let second = p
        .save(
            &coordinator,
            "sale-centre",
            &[("_version", &version), ("address", "ثانيا")],
        )
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(second.body.contains("ثانيا"), "the second text is kept");
    assert_eq!(p.entry("sale-centre").await.expect("entry").address, "أولا");
    p.app.finish().await;
}
on_each_backend!(hostile_input_is_refused_clearly_and_nothing_is_lost);

const HEADER: &str = "code,name,address,opening_hours,latitude,longitude,services,public,contact_name,contact_role,contact_phone,contact_email,contact_private";

async fn imports_are_all_or_nothing_with_a_report_by_line(backend: Backend) {
    let p = Province::open(backend).await;
    let secretariat = p.user("sec", "sale-centre", Role::Secretariat).await;
    let bad = format!(
        "{HEADER}\n\
         sale-centre,Centre,\"شارع محمد الخامس، سلا\",8:30-16:30,34.0531,-6.7985,listening;social_inquiry,yes,Accueil,,0537123456,,no\n\
         sale-centre,,,,,,,,Karim,Médecin,n/a,,no\n\
         sale-hospital,,,,48.85,2.35,,yes,,,,,\n"
    );
    let answer = p
        .import(&secretariat, "directory.csv", bad.as_bytes())
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert!(answer.body.contains("<td>3</td>"), "line 3 is named");
    assert!(answer.body.contains("<code>contact_phone</code>"));
    assert!(
        answer.body.contains("هذا ليس رقم هاتف"),
        "what to do, in Arabic"
    );
    assert!(answer.body.contains("<td>4</td>") && answer.body.contains("<code>latitude</code>"));
    assert!(p.entry("sale-centre").await.is_none(), "nothing imported");
    assert!(p.entry("sale-hospital").await.is_none(), "nothing imported");

    // A code of another province is unknown here, and stops the whole file.
    let foreign = format!("{HEADER}\nsale-centre,,x,,,,,no,,,,,\nrabat-centre,,y,,,,,no,,,,,\n");
    let answer = p.import(&secretariat, "d.csv", foreign.as_bytes()).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("<td>3</td>") && answer.body.contains("لا توجد في إقليمك"));
    assert!(p.entry("sale-centre").await.is_none());

    let unreadable = p
        .import(&secretariat, "d.csv", b"\xff\xfe\x00garbage")
        .await;
    assert_eq!(unreadable.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unreadable.body.contains("CSV UTF-8"));

    // French Excel: semicolons and decimal commas.
    let good = "code;address;latitude;longitude;services;public;contact_name;contact_phone;contact_private\n\
                sale-centre;=1+2 شارع;34,0531;-6,7985;Accueil et écoute;oui;Accueil;05 37 12 34 56;non\n\
                sale-centre;;;;;;Mme Bennani;0661998877;oui\n";
    let answer = p.import(&secretariat, "d.csv", good.as_bytes()).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let entry = p.entry("sale-centre").await.expect("imported");
    assert_eq!(entry.services, vec!["listening"]);
    assert_eq!(entry.contacts.len(), 2);
    assert!(entry.contacts[1].private);

    // The export neutralises formulas, and imports back unchanged.
    let export = p.page(&secretariat, "/directory/export.csv").await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.header("content-type").starts_with("text/csv"));
    assert!(export.body.contains("'=1+2 شارع"), "{}", export.body);
    assert!(!export.body.contains(",=1+2"));
    let again = p
        .import(&secretariat, "back.csv", export.body.as_bytes())
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(p.entry("sale-centre").await.expect("entry"), entry);

    // XLSX: the phone typed as a number lost its 0; a bad line is named by its row.
    let workbook = xlsx(&[
        &["code", "address", "public", "contact_name", "contact_phone"],
        &["sale-hospital", "مستشفى", "yes", "Urgences", "#537000000"],
        &["sale-hospital", "", "", "Dr Karim", "bad phone"],
    ]);
    let answer = p.import(&secretariat, "d.xlsx", &workbook).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains("<td>3</td>") && answer.body.contains("<code>contact_phone</code>")
    );
    assert!(p.entry("sale-hospital").await.is_none());
    let workbook = xlsx(&[
        &["code", "address", "public", "contact_name", "contact_phone"],
        &["sale-hospital", "مستشفى", "yes", "Urgences", "#537000000"],
    ]);
    let answer = p.import(&secretariat, "d.xlsx", &workbook).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let hospital = p.entry("sale-hospital").await.expect("imported");
    assert_eq!(hospital.contacts[0].phone.as_deref(), Some("+212537000000"));
    p.app.finish().await;
}
on_each_backend!(imports_are_all_or_nothing_with_a_report_by_line);

/// A minimal XLSX workbook with one sheet. A cell written `#123` is a number cell, as
/// a spreadsheet stores a phone number typed without quotes.
fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!("<row r=\"{}\">", r + 1));
        for (c, cell) in row.iter().enumerate() {
            let reference = format!("{}{}", char::from(b'A' + c as u8), r + 1);
            match cell.strip_prefix('#') {
                Some(number) => {
                    sheet.push_str(&format!("<c r=\"{reference}\"><v>{number}</v></c>"))
                }
                None => sheet.push_str(&format!(
                    "<c r=\"{reference}\" t=\"inlineStr\"><is><t>{}</t></is></c>",
                    escape(cell)
                )),
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    xlsx_with_sheet(sheet)
}

/// A minimal XLSX workbook whose one sheet is `sheet` (its whole XML), deflated as
/// spreadsheets write them.
pub(crate) fn xlsx_with_sheet(sheet: String) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let files = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Directory" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_owned(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned(),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in files {
        writer.start_file(name, options).expect("zip entry");
        writer.write_all(content.as_bytes()).expect("zip write");
    }
    writer.finish().expect("zip").into_inner()
}

async fn the_api_gives_private_contacts_only_to_the_province(backend: Backend) {
    let p = Province::open(backend).await;
    let coordinator = p.user("coord", "sale-centre", Role::Coordinator).await;
    assert_eq!(
        p.save(&coordinator, "sale-centre", CENTRE).await.status,
        StatusCode::SEE_OTHER
    );
    // An entry for professionals only: not public.
    let internal = p
        .save(
            &coordinator,
            "sale-hospital",
            &[
                ("address", "مستشفى"),
                ("contacts.0.name", "Dr Karim"),
                ("contacts.0.phone", "0537000000"),
            ],
        )
        .await;
    assert_eq!(internal.status, StatusCode::SEE_OTHER);

    let anonymous = p.app.get("/api/v1/directory?territory=sale").await;
    assert_eq!(anonymous.status, StatusCode::OK);
    let body = anonymous.json();
    assert_eq!(body["private_contacts_included"], json!(false));
    let orgs = body["organisations"].as_array().expect("list");
    assert_eq!(orgs.len(), 1, "only the public entry");
    assert_eq!(orgs[0]["code"], "sale-centre");
    assert_eq!(orgs[0]["contacts"].as_array().expect("contacts").len(), 1);
    assert!(!anonymous.body.contains("Bennani") && !anonymous.body.contains("Karim"));
    assert_eq!(orgs[0]["position"]["lat"], json!(34.0531));
    assert_eq!(
        orgs[0]["services"][0],
        json!({"code": "listening", "stage": "immediate_assistance"})
    );

    let worker = p.user("worker", "sale-centre", Role::CaseWorker).await;
    let inside = p
        .page(&worker, "/api/v1/directory?territory=sale")
        .await
        .json();
    assert_eq!(inside["private_contacts_included"], json!(true));
    assert_eq!(inside["organisations"].as_array().expect("list").len(), 2);
    assert!(inside.to_string().contains("Bennani"));
    let mine = p.page(&worker, "/api/v1/directory").await.json();
    assert_eq!(
        mine["territory"]["code"], "sale",
        "their province by default"
    );

    let rabat = p.user("rabat", "rabat-centre", Role::Coordinator).await;
    let outside = p.page(&rabat, "/api/v1/directory?territory=sale").await;
    assert!(
        !outside.body.contains("Bennani"),
        "another province: public only"
    );
    assert_eq!(
        outside.json()["organisations"]
            .as_array()
            .expect("list")
            .len(),
        1
    );

    assert_eq!(
        p.app
            .get("/api/v1/directory?territory=nowhere")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        p.app
            .get("/api/v1/directory?territory=rabat-sale-kenitra")
            .await
            .status,
        StatusCode::NOT_FOUND,
        "a region is not a province"
    );
    assert_eq!(
        p.app.get("/api/v1/directory").await.status,
        StatusCode::BAD_REQUEST
    );
    p.app.finish().await;
}
on_each_backend!(the_api_gives_private_contacts_only_to_the_province);

async fn the_help_page_shows_nothing_private_nor_any_child(backend: Backend) {
    let p = Province::open(backend).await;
    let coordinator = p.user("coord", "sale-centre", Role::Coordinator).await;
    assert_eq!(
        p.save(&coordinator, "sale-centre", CENTRE).await.status,
        StatusCode::SEE_OTHER
    );
    // A child in the same province: a report and an open case.
    let worker = p.user("nadia", "sale-centre", Role::CaseWorker).await;
    let headers = [
        ("cookie", worker.0.as_str()),
        ("x-csrf-token", worker.1.as_str()),
    ];
    let report = p
        .app
        .post_json(
            "/api/v1/reports",
            &headers,
            &json!({
                "source": "school", "received_at": "2026-11-23T07:00:00Z", "territory": "sale",
                "child": {"first_name": "Zineb", "last_name": "Marqueur", "sex": "female", "age_years": 9},
                "concerns": ["neglect"], "urgency": "high"
            }),
        )
        .await;
    assert_eq!(report.status, StatusCode::CREATED, "{}", report.body);
    let report_id = report.json()["id"].as_str().expect("id").to_owned();
    let case = p
        .app
        .post_json(
            &format!("/api/v1/reports/{report_id}/triage"),
            &headers,
            &json!({"new_child": true}),
        )
        .await;
    assert_eq!(case.status, StatusCode::CREATED, "{}", case.body);
    let number = case.json()["number"].as_str().expect("number").to_owned();

    for lang in ["ar", "fr", "en"] {
        let cookie = format!("awladna_lang={lang}");
        // Anonymous, and a signed-in professional of the province: the same public page.
        for cookie in [cookie.clone(), format!("{cookie}; {}", worker.0)] {
            let page = p.app.get_with("/help/sale", &[("cookie", &cookie)]).await;
            assert_eq!(page.status, StatusCode::OK);
            for secret in [
                "Bennani",
                "661998877",
                "06 61",
                "bennani@",
                "Zineb",
                "Marqueur",
                &number,
                &report_id,
            ] {
                assert!(!page.body.contains(secret), "{lang}: {secret} leaked");
            }
            assert!(page.body.contains("href=\"tel:2511\""), "{lang}");
            assert!(
                page.body.contains("href=\"tel:19\"")
                    && page.body.contains("href=\"tel:177\"")
                    && page.body.contains("href=\"tel:15\"")
            );
            assert!(
                page.body.contains("href=\"tel:+212537123456\""),
                "the public contact"
            );
            assert!(page.body.contains("<svg"), "the map");
            assert!(page.body.contains("geo:34.053100,-6.798500"));
        }
    }
    let general = p.app.get("/help").await;
    assert_eq!(general.status, StatusCode::OK);
    assert!(general.body.contains("tel:2511") && general.body.contains("value=\"sale\""));
    let picked = p.app.get("/help?territory=sale").await;
    assert_eq!(picked.status, StatusCode::SEE_OTHER);
    assert_eq!(picked.header("location"), "/help/sale");
    assert_eq!(
        p.app.get("/help/nowhere").await.status,
        StatusCode::NOT_FOUND
    );
    let home = p.app.get("/").await;
    assert!(
        home.body.contains("href=\"/help\""),
        "linked from the home page and footer"
    );
    // Without any position, the help page lists the services without a map.
    let rabat = p.user("rabat", "rabat-centre", Role::Coordinator).await;
    assert_eq!(
        p.save(
            &rabat,
            "rabat-centre",
            &[("address", "الرباط"), ("public", "on")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let no_map = p.app.get("/help/rabat").await;
    assert!(!no_map.body.contains("<svg") && no_map.body.contains("الرباط"));
    p.app.finish().await;
}
on_each_backend!(the_help_page_shows_nothing_private_nor_any_child);
