//! Training, rollout and library of the demo (issue 15), through the same use cases as
//! the pages: the ministry's modules and trainers of trainers, a session of the national
//! plan in each wave-1 pilot province with participants from its services (attendance,
//! tests, satisfaction), rollout milestones declared by each pilot's secretariat, and
//! the toolkit library's documents (one with two versions). Names are fictional.

use super::author::{day, permit, who};
use anyhow::anyhow;
use awladna_core::library::{self, DocumentInput};
use awladna_core::{Core, rollout, training};
use awladna_domain::access::Role;
use awladna_domain::rollout::DeclarationInput;
use awladna_domain::training::{
    ModuleInput, ParticipantInput, ResultInput, SessionInput, TrainerInput,
};
use jiff::Timestamp;

/// What the demo's training, rollout and library hold.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TrainingSummary {
    pub sessions: u64,
    pub participants: u64,
    pub declarations: u64,
    pub documents: u64,
}

fn fail(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("the demo's training was refused: {e}")
}

const MODULES: [(&str, &str, &str, &str); 4] = [
    (
        "TOT-1",
        "تكوين المكونين: المقاربة الحقوقية والمنظومة المندمجة",
        "trainers",
        "دليل المكون؛ عرض تقديمي للمنظومة",
    ),
    (
        "M-ACC",
        "الاستقبال والإنصات وتقييم وضعية الطفل",
        "centre_staff",
        "دليل الاستقبال؛ بطاقة التبليغ",
    ),
    (
        "M-REF",
        "بطاقة الربط والإحالة بين المصالح",
        "focal_points",
        "بطاقة الربط؛ خارطة الفاعلين",
    ),
    (
        "M-ASSO",
        "دور الجمعيات في الرصد والمواكبة",
        "associations",
        "دليل الجمعيات",
    ),
];

const PEOPLE: [(&str, &str, &str); 8] = [
    ("centre", "سناء العمراني", "مساعدة اجتماعية"),
    ("centre", "رشيد بوزيد", "مكلف بقاعدة المعلومات"),
    ("health", "د. أمينة السباعي", "طبيبة"),
    ("health", "خديجة الناصري", "ممرضة رئيسة"),
    ("education", "عبد الله المرابط", "مستشار في التوجيه"),
    ("education", "نادية الكتاني", "أستاذة"),
    ("security", "ضابط أمين الحسني", "ضابط شرطة قضائية"),
    ("security", "مفتشة سلمى الودغيري", "مفتشة شرطة"),
];

/// Fills training, rollout and library, once (nothing when modules exist already).
pub async fn fill(core: &Core, now: Timestamp) -> anyhow::Result<TrainingSummary> {
    let mut summary = TrainingSummary::default();
    if !core.store.training_modules().await?.is_empty() {
        return Ok(summary);
    }
    let ministry = who(None, "", &[Role::NationalAnalyst]);
    let run = permit::<awladna_core::act::RunTraining>(&ministry)?;
    let mut modules = Vec::new();
    for (code, title, audience, materials) in MODULES {
        let input = ModuleInput {
            code: code.into(),
            title: title.into(),
            objectives: format!("تمكين المشاركين من: {title}"),
            duration_hours: "12".into(),
            audience: audience.into(),
            materials: materials.into(),
        };
        modules.push(
            training::add_module(core, &run, &input)
                .await
                .map_err(fail)?,
        );
    }
    let mut ministry_trainers = Vec::new();
    for (name, org) in [
        ("ذة. نزهة البقالي", "وزارة التضامن"),
        ("د. عمر الصنهاجي", "المرصد الوطني لحقوق الطفل"),
    ] {
        let input = TrainerInput {
            full_name: name.into(),
            organisation: org.into(),
            function: "مكون(ة) معتمد(ة)".into(),
            trainer_of_trainers: "true".into(),
            phone: String::new(),
        };
        ministry_trainers.push(
            training::add_trainer(core, &run, &input)
                .await
                .map_err(fail)?,
        );
    }
    let pilots: Vec<_> = core
        .reference
        .territories()
        .iter()
        .filter(|t| t.wave == Some(1) && t.kind.hosts_mechanism())
        .map(|t| t.code.clone())
        .collect();
    for (i, code) in pilots.iter().enumerate() {
        let coordinator = who(
            Some(code),
            &format!("{code}-centre"),
            &[Role::Coordinator, Role::Secretariat],
        );
        let run = permit::<awladna_core::act::RunTraining>(&coordinator)?;
        let read = permit::<awladna_core::act::ReadTraining>(&coordinator)?;
        let offset = -40 + i64::try_from(i).unwrap_or(0) * 3;
        let session = SessionInput {
            module: modules[1 + i % 3].clone(),
            plan_number: (3 + i % 8).to_string(),
            territory: code.clone(),
            place: "قاعة الاجتماعات بالعمالة".into(),
            starts_on: day(now, offset)?,
            ends_on: day(now, offset + 1)?,
            capacity: "30".into(),
            trainers: ministry_trainers.clone(),
        };
        let id = training::create_session(core, &run, &session, None)
            .await
            .map_err(fail)?;
        summary.sessions += 1;
        let mut trainees = Vec::new();
        for (suffix, name, function) in PEOPLE {
            let org = format!("{code}-{suffix}");
            let known = core.store.organisation_place(&org).await?.is_some();
            let input = ParticipantInput {
                organisation: if known { org } else { String::new() },
                organisation_name: if known {
                    String::new()
                } else {
                    "جمعية محلية".into()
                },
                full_name: name.into(),
                function: function.into(),
                ..Default::default()
            };
            let v = training::session(core, &read, &id)
                .await
                .map_err(fail)?
                .session
                .version;
            trainees.push(
                training::add_participant(core, &run, &id, &input, Some(v))
                    .await
                    .map_err(fail)?,
            );
            summary.participants += 1;
        }
        // Everyone the first day; one absent the second.
        for (d, present) in [
            (day(now, offset)?, trainees.clone()),
            (day(now, offset + 1)?, trainees[1..].to_vec()),
        ] {
            let v = training::session(core, &read, &id)
                .await
                .map_err(fail)?
                .session
                .version;
            training::take_attendance(core, &run, &id, &d, &present, Some(v))
                .await
                .map_err(fail)?;
        }
        for (j, t) in trainees.iter().enumerate() {
            let j = i64::try_from(j).unwrap_or(0);
            let results = ResultInput {
                pre_score: (35 + j * 4).to_string(),
                post_score: (62 + j * 4).to_string(),
                satisfaction: (3 + j % 3).to_string(),
            };
            let v = training::session(core, &read, &id)
                .await
                .map_err(fail)?
                .session
                .version;
            training::record_results(core, &run, &id, t, &results, Some(v))
                .await
                .map_err(fail)?;
        }
        // The pilot's secretariat declares its early milestones.
        let keep = permit::<awladna_core::act::KeepRollout>(&coordinator)?;
        let declared: [(&str, &str, &str); 5] = [
            ("agreement", "done", "اتفاقية الشراكة الموقعة مع العمالة"),
            ("focal_designated", "done", "قرار تعيين المنسق الإقليمي"),
            ("committee_formed", "done", "القرار العاملي بإحداث اللجنة"),
            (
                "premises_found",
                if i % 2 == 0 { "done" } else { "in_progress" },
                "محضر تسليم المقر",
            ),
            ("staff_assigned", "in_progress", "مراسلة المديرية الجهوية"),
        ];
        for (milestone, status, evidence) in declared {
            let input = DeclarationInput {
                status: status.into(),
                on: if status == "done" {
                    day(now, -200 + offset)?
                } else {
                    String::new()
                },
                evidence: evidence.into(),
            };
            rollout::declare(core, &keep, code, milestone, &input, None)
                .await
                .map_err(fail)?;
            summary.declarations += 1;
        }
    }
    let keep = permit::<awladna_core::act::KeepLibrary>(&ministry)?;
    let documents: [(&str, &str, &str, &str, &str, bool); 5] = [
        (
            "guide",
            "ar",
            "families",
            "دليل الأسر: متى وأين نطلب المساعدة",
            "# متى نطلب المساعدة\n\nإذا كان طفل في خطر، اتصلوا بالرقم **2511** أو توجهوا إلى مركز المواكبة لحماية الطفولة بالإقليم.\n\n- الخدمة مجانية\n- سرية هوية الطفل محفوظة",
            true,
        ),
        (
            "protocol",
            "ar",
            "professionals",
            "البروتوكول الموحد لمدار الحماية (مسودة)",
            "# البروتوكول الموحد\n\nمراحل مسار الحماية الست، وسلة الخدمات لكل مرحلة، والمسؤول عن كل خدمة.",
            false,
        ),
        (
            "training_material",
            "ar",
            "trainers",
            "حقيبة المكون: الاستقبال والإنصات",
            "# الجلسة الأولى\n\nأهداف الجلسة، التمارين، وأدوات التقييم القبلي والبعدي.",
            false,
        ),
        (
            "model_decision",
            "fr",
            "committees",
            "Modèle d'arrêté portant création du comité provincial",
            "# Arrêté\n\nArticle premier : il est créé un comité provincial de protection de l'enfance…",
            false,
        ),
        (
            "communication",
            "fr",
            "professionals",
            "Affiche : le circuit de protection en un coup d'œil",
            "# Le circuit\n\nRepérage → assistance immédiate → diagnostic → prise en charge → réinsertion → suivi.",
            true,
        ),
    ];
    for (kind, language, audience, title, body, public) in documents {
        let input = DocumentInput {
            kind: kind.into(),
            language: language.into(),
            audience: audience.into(),
            title: title.into(),
            summary: String::new(),
            body: body.into(),
            valid_from: day(now, -300)?,
            valid_to: String::new(),
            public: if public { "true".into() } else { String::new() },
        };
        let (_, series, version) = library::publish(core, &keep, None, None, &input)
            .await
            .map_err(fail)?;
        summary.documents += 1;
        if kind == "guide" {
            let newer = DocumentInput {
                body: format!(
                    "{body}\n\n## جديد في هذه النسخة\n\nعناوين مراكز المواكبة في كل إقليم."
                ),
                valid_from: day(now, -30)?,
                ..input
            };
            library::publish(core, &keep, Some(&series), Some(version), &newer)
                .await
                .map_err(fail)?;
            summary.documents += 1;
        }
    }
    Ok(summary)
}
