//! The demo's territorial diagnoses and action plans (issue 14 §3–4), for the wave-1
//! pilot provinces whose committee the demo made: a diagnosis filled by two sectors
//! (the centre and the health service), consolidated and approved, whose priorities
//! seed an action plan approved at the committee's first held meeting, with progress
//! recorded by the responsible organisations. Written through the same use cases as the
//! pages (`awladna_core::diagnosis`, `awladna_core::action_plans`).

use super::author::{permit, who};
use anyhow::anyhow;
use awladna_core::action_plans::{self as plans, Edit, NewPlan, ProgressInput};
use awladna_core::diagnosis::{self as diagnoses, OpenInput};
use awladna_core::{Core, act};
use awladna_domain::access::Role;
use awladna_domain::action_plan::{Action, BudgetLine, Indicator};
use awladna_domain::diagnosis::Answers;
use awladna_domain::forms::local_zone;
use awladna_domain::lang::Lang;
use jiff::Timestamp;
use std::collections::BTreeMap;

/// What the demo's planning holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PlanningSummary {
    pub diagnoses: u64,
    pub plans: u64,
    pub actions: u64,
}

fn fail(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("the demo's planning was refused: {e}")
}

fn answers(pairs: &[(&str, &str)]) -> Answers {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Diagnoses and plans for the pilot provinces with a committee and none yet.
pub async fn plans(core: &Core, now: Timestamp) -> anyhow::Result<PlanningSummary> {
    let mut summary = PlanningSummary::default();
    let pilots: Vec<String> = core
        .reference
        .territories()
        .iter()
        .filter(|t| t.wave == Some(1) && t.kind.hosts_mechanism())
        .map(|t| t.code.clone())
        .collect();
    for (n, code) in pilots.iter().enumerate() {
        let (centre, health) = (format!("{code}-centre"), format!("{code}-health"));
        let held = core
            .store
            .meetings(code)
            .await?
            .into_iter()
            .find(|m| m.status == "approved");
        if !core.store.diagnoses(Some(code)).await?.is_empty()
            || core.store.organisation(&health).await?.is_none()
        {
            continue;
        }
        let Some(meeting) = held else { continue };
        one_province(
            core,
            now,
            code,
            (&centre, &health),
            &meeting.id,
            n,
            &mut summary,
        )
        .await?;
    }
    Ok(summary)
}

#[allow(clippy::too_many_arguments)]
async fn one_province(
    core: &Core,
    now: Timestamp,
    code: &str,
    (centre, health): (&str, &str),
    meeting: &str,
    n: usize,
    summary: &mut PlanningSummary,
) -> anyhow::Result<()> {
    let office = who(
        Some(code),
        centre,
        &[
            Role::Secretariat,
            Role::CommitteeChair,
            Role::TechnicalOfficer,
        ],
    );
    let today = now.to_zoned(local_zone()).date();
    let year = today.year();
    let month = |d: jiff::civil::Date| format!("{:04}-{:02}", d.year(), d.month());
    let from = today.checked_sub(jiff::Span::new().months(12))?;
    let to = today.checked_sub(jiff::Span::new().months(1))?;
    let sections: BTreeMap<String, String> = [
        ("services", centre),
        ("risks", centre),
        ("information", centre),
        ("resources", health),
        ("coordination", health),
    ]
    .iter()
    .map(|(a, o)| ((*a).to_owned(), (*o).to_owned()))
    .collect();
    let id = diagnoses::open(
        core,
        &permit::<act::OpenDiagnosis>(&office)?,
        code,
        &OpenInput {
            from: month(from),
            to: month(to),
            sections,
        },
    )
    .await
    .map_err(fail)?;
    // The provinces differ a little, so that the ministry's comparison shows something.
    let weak = ["0", "1", "2"][n % 3];
    let filled: [(&str, &str, Answers); 5] = [
        (
            centre,
            "services",
            answers(&[
                ("detection_services", weak),
                ("care_services", "2"),
                ("reintegration_services", "1"),
                ("shelter_places", "12"),
            ]),
        ),
        (
            centre,
            "risks",
            answers(&[
                ("main_risk", "neglect"),
                ("second_risk", "physical_violence"),
                ("risk_knowledge", "1"),
            ]),
        ),
        (
            centre,
            "information",
            answers(&[
                ("data_shared", "2"),
                ("indicators_followed", "2"),
                ("studies", "1"),
            ]),
        ),
        (
            health,
            "resources",
            answers(&[
                ("trained_staff", "1"),
                ("social_workers", "6"),
                ("social_workers_needed", "14"),
                ("budget", weak),
            ]),
        ),
        (
            health,
            "coordination",
            answers(&[
                ("committee_meets", "3"),
                ("referral_protocol", "2"),
                ("lead_sector", "interior"),
            ]),
        ),
    ];
    for (org, area, given) in &filled {
        let focal = who(Some(code), org, &[Role::FocalPoint]);
        diagnoses::fill(core, &permit(&focal)?, &id, area, given, true, Some(1))
            .await
            .map_err(fail)?;
    }
    let read = permit::<act::ReadPlanning>(&office)?;
    let version = diagnoses::diagnosis(core, &read, &id, Lang::Ar)
        .await?
        .record
        .version;
    diagnoses::consolidate(core, &permit(&office)?, &id, None, Some(version), Lang::Ar)
        .await
        .map_err(fail)?;
    diagnoses::approve(core, &permit(&office)?, &id, Some(version + 1))
        .await
        .map_err(fail)?;
    summary.diagnoses += 1;

    // The plan, seeded from the diagnosis's priorities.
    let draft = permit::<act::DraftPlanning>(&office)?;
    let plan = plans::create(
        core,
        &draft,
        code,
        &NewPlan {
            title: format!("خطة العمل الإقليمية لحماية الطفولة {year}-{}", year + 2),
            first_year: Some(year.into()),
            last_year: Some((year + 2).into()),
            diagnosis: Some(id.clone()),
        },
    )
    .await
    .map_err(fail)?;
    let mut v = 1;
    let p = plans::plan(core, &read, &plan).await.map_err(fail)?;
    let priorities: Vec<String> = p.doc.priorities.iter().map(|x| x.key.clone()).collect();
    let start = |days: i64| {
        today
            .checked_add(jiff::Span::new().days(days))
            .map(|d| d.to_string())
    };
    for (i, priority) in priorities.iter().take(2).enumerate() {
        plans::edit(
            core,
            &draft,
            &plan,
            &Edit::AddObjective {
                priority: priority.clone(),
                title: [
                    "تعميم خدمات الرصد والتكفل على جماعات الإقليم",
                    "تقوية قدرات المتدخلين وتنسيقهم",
                ][i]
                    .to_owned(),
            },
            Some(v),
        )
        .await
        .map_err(fail)?;
        v += 1;
        let p = plans::plan(core, &read, &plan).await.map_err(fail)?;
        let objective = p.doc.priorities[i].objectives[0].key.clone();
        let lines: [(&str, &str, i64, i64, f64); 2] = [
            (
                "إحداث خلايا محلية للرصد والتبليغ",
                centre,
                -200,
                -20,
                150_000.0,
            ),
            (
                "تكوين الأطر الصحية في التكفل بالأطفال ضحايا العنف",
                health,
                -90,
                300,
                80_000.0,
            ),
        ];
        for (title, org, from, until, amount) in lines {
            plans::edit(
                core,
                &draft,
                &plan,
                &Edit::AddAction {
                    objective: objective.clone(),
                    action: Action {
                        title: title.to_owned(),
                        organisation: org.to_owned(),
                        partners: "الجماعات الترابية، الجمعيات".to_owned(),
                        start: start(from)?,
                        end: start(until)?,
                        budget: vec![BudgetLine {
                            year,
                            source: "state".into(),
                            amount,
                        }],
                        ..Action::default()
                    },
                },
                Some(v),
            )
            .await
            .map_err(fail)?;
            v += 1;
            summary.actions += 1;
        }
        plans::edit(
            core,
            &draft,
            &plan,
            &Edit::AddIndicator {
                objective,
                indicator: Indicator {
                    name: "الحالات لكل 1000 طفل".into(),
                    unit: "‰".into(),
                    baseline: 0.5,
                    targets: vec![1.0, 1.5, 2.0],
                    source: Some("cases".into()),
                    rate: true,
                    ..Indicator::default()
                },
            },
            Some(v),
        )
        .await
        .map_err(fail)?;
        v += 1;
    }
    plans::approve(core, &permit(&office)?, &plan, meeting, Some(v))
        .await
        .map_err(fail)?;
    summary.plans += 1;
    // Progress by each responsible organisation.
    let p = plans::plan(core, &read, &plan).await.map_err(fail)?;
    for (k, a) in p.doc.actions().enumerate() {
        let focal = who(Some(code), &a.organisation, &[Role::FocalPoint]);
        plans::record_progress(
            core,
            &permit(&focal)?,
            &plan,
            &a.key,
            &ProgressInput {
                percent: Some([70, 30, 100, 0][k % 4]),
                spent: Some([90_000, 20_000, 150_000, 0][k % 4]),
                note: "تقدم حسب البرمجة، مع تأخر في توفير بعض الموارد".into(),
                evidence: format!("مراسلة عدد {}/{year}", 100 + k),
                key: None,
            },
        )
        .await
        .map_err(fail)?;
    }
    Ok(())
}
