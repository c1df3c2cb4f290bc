//! The provincial committees of the demo (issue 14), for the wave-1 pilot provinces: the
//! support centre and three sector services as organisations, a committee with its chair,
//! sector members and expert team, two held meetings (convened, attendance, minutes,
//! decisions, approved by the chair) and a third one convened, and decisions followed up
//! by the technical cell, some overdue. Written through the same use cases as the pages
//! (`awladna_core::committee`), acting as the province's secretariat, chair and technical
//! cell. Names are fictional; nothing here names a child.

use super::author::{day, permit};
use anyhow::anyhow;
use awladna_core::committee::{
    self as use_case, DecisionInput, FollowUp, ItemInput, MeetingInput, Presence,
};
use awladna_core::{Core, Permit, Who, accounts};
use awladna_domain::access::Role;
use awladna_domain::committee::MemberInput;
use awladna_domain::forms::local_zone;
use awladna_store::identity::Organisation;
use jiff::{Span, Timestamp};

/// What the committees of the demo hold.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CommitteeSummary {
    pub committees: u64,
    pub meetings: u64,
    pub decisions: u64,
    pub overdue: u64,
}

/// (sector, organisation code suffix, organisation, member's title, member's name).
const SEATS: [(&str, &str, &str, &str, &str); 6] = [
    (
        "family_solidarity",
        "centre",
        "مركز المواكبة لحماية الطفولة",
        "مديرة المركز",
        "نزهة الإدريسي",
    ),
    (
        "health",
        "health",
        "المندوبية الإقليمية للصحة",
        "طبيب رئيس المصلحة",
        "د. يوسف الفاسي",
    ),
    (
        "education",
        "education",
        "المديرية الإقليمية للتربية الوطنية",
        "رئيس مصلحة الحياة المدرسية",
        "محمد التازي",
    ),
    (
        "national_security",
        "security",
        "المنطقة الإقليمية للأمن",
        "رئيسة خلية التكفل بالنساء والأطفال",
        "سعاد بنعلي",
    ),
    (
        "justice",
        "",
        "المحكمة الابتدائية",
        "نائب وكيل الملك",
        "عبد الرحيم الصقلي",
    ),
    (
        "entraide_nationale",
        "",
        "المندوبية الإقليمية للتعاون الوطني",
        "مندوب إقليمي",
        "كريمة الشرقاوي",
    ),
];

const EXPERTS: [(&str, &str, &str, &str); 2] = [
    (
        "association",
        "جمعية حماية الطفولة",
        "أخصائية نفسية",
        "ليلى بنسودة",
    ),
    ("justice", "هيئة المحامين", "محام", "هشام العلمي"),
];

fn demo_who(territory: &str, organisation: &str) -> Who {
    super::author::who(
        Some(territory),
        organisation,
        &[
            Role::Secretariat,
            Role::CommitteeChair,
            Role::TechnicalOfficer,
        ],
    )
}

/// The meeting's version now: each step of the demo names it, as a page does.
async fn version(
    core: &Core,
    read: &Permit<awladna_core::act::ReadCommittee>,
    meeting: &str,
) -> anyhow::Result<Option<i64>> {
    let file = use_case::meeting(core, read, meeting).await.map_err(fail)?;
    Ok(Some(file.meeting.version))
}

fn fail(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("the demo's committee was refused: {e}")
}

/// Local `YYYY-MM-DDTHH:MM`, `days` from now, at `hour`.
fn local_at(now: Timestamp, days: i64, hour: i8) -> anyhow::Result<String> {
    let day = now
        .to_zoned(local_zone())
        .date()
        .checked_add(Span::new().days(days))?;
    Ok(format!("{day}T{hour:02}:00"))
}

/// Creates the committees of the pilot provinces that have none yet.
pub async fn committees(core: &Core, now: Timestamp) -> anyhow::Result<CommitteeSummary> {
    let mut summary = CommitteeSummary::default();
    let pilots: Vec<_> = core
        .reference
        .territories()
        .iter()
        .filter(|t| t.wave == Some(1) && t.kind.hosts_mechanism())
        .cloned()
        .collect();
    let operator = Permit::check(accounts::operator(super::DEMO_AUTHOR)).map_err(fail)?;
    for province in pilots {
        let code = province.code.as_str();
        if !core.store.committee_members(code, true).await?.is_empty() {
            continue;
        }
        for (sector, suffix, name, _, _) in SEATS.iter().filter(|s| !s.1.is_empty()) {
            let org = format!("{code}-{suffix}");
            if core.store.organisation(&org).await?.is_none() {
                accounts::add_organisation(
                    core,
                    &operator,
                    Organisation {
                        code: org,
                        sector: (*sector).to_owned(),
                        territory: Some(code.to_owned()),
                        name: format!("{name} - {}", province.name_ar),
                    },
                )
                .await
                .map_err(fail)?;
            }
        }
        one_committee(core, now, code, &province.name_ar, &mut summary).await?;
    }
    Ok(summary)
}

async fn one_committee(
    core: &Core,
    now: Timestamp,
    code: &str,
    name: &str,
    summary: &mut CommitteeSummary,
) -> anyhow::Result<()> {
    let who = demo_who(code, &format!("{code}-centre"));
    let keep = permit(&who)?;
    let read = permit(&who)?;
    let chair_permit = permit(&who)?;
    let follow = permit(&who)?;
    let add = |input: MemberInput| {
        let keep = &keep;
        async move {
            use_case::add_member(core, keep, code, &input)
                .await
                .map_err(fail)
        }
    };
    let mut members = vec![
        add(MemberInput {
            body: "committee".into(),
            seat: "chair".into(),
            full_name: "أحمد بناني".into(),
            title: "الكاتب العام للعمالة، بتفويض من السيد العامل".into(),
            sector: "interior".into(),
            organisation: format!("عمالة {name}"),
            mandate_from: day(now, -400)?,
            ..Default::default()
        })
        .await?,
    ];
    for (sector, _, organisation, title, person) in SEATS {
        members.push(
            add(MemberInput {
                body: "committee".into(),
                seat: "member".into(),
                full_name: person.into(),
                title: title.into(),
                sector: sector.into(),
                organisation: organisation.into(),
                substitute: "نائب معين بمراسلة".into(),
                mandate_from: day(now, -400)?,
                mandate_to: day(now, 700)?,
                ..Default::default()
            })
            .await?,
        );
    }
    for (sector, organisation, field, person) in EXPERTS {
        add(MemberInput {
            body: "experts".into(),
            seat: "expert".into(),
            full_name: person.into(),
            sector: sector.into(),
            organisation: organisation.into(),
            field: field.into(),
            ..Default::default()
        })
        .await?;
    }
    use_case::set_quorum(core, &keep, code, 4, None)
        .await
        .map_err(fail)?;
    summary.committees += 1;

    // (days from now, kind, agenda, decisions: (text, owner suffix, deadline in days, expected)).
    type Plan<'a> = (
        i64,
        &'a str,
        &'a [&'a str],
        &'a [(&'a str, &'a str, i64, &'a str)],
    );
    let held: [Plan; 2] = [
        (
            -90,
            "ordinary",
            &[
                "تقديم حصيلة مركز المواكبة لحماية الطفولة",
                "مسار التكفل بالأطفال ضحايا العنف",
            ],
            &[
                (
                    "إحداث وحدة مندمجة للتكفل بالأطفال ضحايا العنف بالمستشفى الإقليمي",
                    "health",
                    -30,
                    "وحدة تستقبل الأطفال على مدار الساعة",
                ),
                (
                    "تعيين نقطة ارتكاز بكل مؤسسة تعليمية",
                    "education",
                    -10,
                    "لائحة نقط الارتكاز محينة",
                ),
                (
                    "تنظيم دورة تكوينية لفائدة المتدخلين",
                    "centre",
                    60,
                    "تكوين 30 متدخلا",
                ),
            ],
        ),
        (
            -20,
            "thematic",
            &["الأطفال في وضعية الشارع"],
            &[(
                "إعداد خريطة للأماكن التي يتواجد بها الأطفال في وضعية الشارع",
                "security",
                45,
                "خريطة محينة تقدم للجنة",
            )],
        ),
    ];
    for (days, kind, agenda, decisions) in held {
        let meeting = use_case::create_meeting(
            core,
            &keep,
            code,
            &MeetingInput {
                kind: kind.into(),
                starts_at: local_at(now, days, 10)?,
                place: format!("قاعة الاجتماعات بعمالة {name}"),
            },
        )
        .await
        .map_err(fail)?;
        summary.meetings += 1;
        for title in agenda {
            let item = ItemInput {
                kind: "deliberation".into(),
                title: (*title).into(),
                documents: "مذكرة تقديمية".into(),
            };
            use_case::add_item(
                core,
                &keep,
                &meeting,
                &item,
                version(core, &read, &meeting).await?,
            )
            .await
            .map_err(fail)?;
        }
        use_case::convene(core, &keep, &meeting, version(core, &read, &meeting).await?)
            .await
            .map_err(fail)?;
        let lines: Vec<Presence> = members
            .iter()
            .enumerate()
            .map(|(i, m)| Presence {
                member: m.clone(),
                status: ["present", "present", "substitute", "present", "excused"][i % 5].into(),
            })
            .collect();
        use_case::record_attendance(
            core,
            &keep,
            &meeting,
            &lines,
            version(core, &read, &meeting).await?,
        )
        .await
        .map_err(fail)?;
        let file = use_case::meeting(core, &read, &meeting)
            .await
            .map_err(fail)?;
        for item in &file.items {
            let minutes = "قدمت السكرتارية عرضا حول النقطة، وتداول الأعضاء فيها، وخلصوا إلى القرارات المسجلة أسفله.";
            use_case::write_minutes(
                core,
                &keep,
                &meeting,
                &item.id,
                minutes,
                version(core, &read, &meeting).await?,
            )
            .await
            .map_err(fail)?;
        }
        for (text, owner, deadline, expected) in decisions {
            let decision = use_case::add_decision(
                core,
                &keep,
                &meeting,
                &DecisionInput {
                    text: (*text).into(),
                    owner: format!("{code}-{owner}"),
                    deadline: day(now, *deadline)?,
                    expected_result: (*expected).into(),
                },
                version(core, &read, &meeting).await?,
            )
            .await
            .map_err(fail)?;
            summary.decisions += 1;
            if *deadline < 0 {
                summary.overdue += 1;
                use_case::follow_up(
                    core,
                    &follow,
                    &decision,
                    &FollowUp {
                        status: "in_progress".into(),
                        note: "راسلت خلية الدعم التقني الجهة المكلفة، والأشغال متأخرة عن الأجل."
                            .into(),
                        progress: Some(40),
                        version: Some(1),
                        ..Default::default()
                    },
                )
                .await
                .map_err(fail)?;
            }
        }
        use_case::approve_minutes(
            core,
            &chair_permit,
            &meeting,
            version(core, &read, &meeting).await?,
        )
        .await
        .map_err(fail)?;
    }
    // The next meeting, convened: the members see it on their home page.
    let next = use_case::create_meeting(
        core,
        &keep,
        code,
        &MeetingInput {
            kind: "ordinary".into(),
            starts_at: local_at(now, 14, 10)?,
            place: format!("قاعة الاجتماعات بعمالة {name}"),
        },
    )
    .await
    .map_err(fail)?;
    summary.meetings += 1;
    let file = use_case::meeting(core, &read, &next).await.map_err(fail)?;
    use_case::convene(core, &keep, &next, Some(file.meeting.version))
        .await
        .map_err(fail)?;
    Ok(())
}
