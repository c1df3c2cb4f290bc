//! The work on a case after triage, as the application records it and in step with the
//! case's pathway: the child's situation card when the case opens; an evaluation once it
//! is past detection, scored by the real rules, with the action its deadline sets; the
//! case plan from the diagnosis on; follow-up cards once care has begun; and entries of
//! the social, medical and judicial files at the stages they belong to.
//!
//! Every card and action falls within the stage it belongs to, after the case opened,
//! before it closed and never after now. Each card is checked by the form engine at the
//! time it is recorded (`Form::check`, as the application does), and split and sealed as
//! the application splits and seals it, so the demo never writes a card the engine
//! would refuse. Texts are in Arabic and never name anyone.

use super::{
    Batch, CardRow, Child, DAY, DEMO_AUTHOR, Generator, HOUR, MINUTE, NewCase, Reported, Weighted,
    codes, row_id, seal,
};
use anyhow::{anyhow, bail};
use awladna_crypto::Keyring;
use awladna_domain::Reference;
use awladna_domain::forms::{CheckedCard, Completeness, Form};
use awladna_domain::plan_review::ReviewRule;
use awladna_domain::scoring::{Assessment, Level, Scoring};
use awladna_domain::territory::Area;
use awladna_store::bulk::BulkPlanAction;
use awladna_store::plan::OPEN_STATUSES;
use jiff::Timestamp;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

/// The version of every form the demo fills: the field codes below are theirs.
const FORM_VERSION: u32 = 1;

/// The support centre evaluates, so it answers for what a high risk calls for (the
/// application gives the action to the evaluating worker's sector).
const EVALUATING_SECTOR: &str = "family_solidarity";

/// Cases that reach care and are evaluated again there.
const REEVALUATED: f64 = 0.15;
/// Once care has begun the child is safer: the chance of each worrying answer, times this.
const SAFER_IN_CARE: f64 = 0.5;
/// Questions whose answer is not known yet ("unknown" adds nothing to the score).
const UNKNOWN_ANSWER: f64 = 0.04;
/// Children this old or older say what they think, and it is written down.
const VIEWS_FROM_AGE: i64 = 6;
const VIEWS_RECORDED: f64 = 0.75;
/// Facts of the child's situation card that are not known yet when it is filled.
const PROFILE_GAP: f64 = 0.06;
/// Actions dropped rather than done (the family moved, another service took it over).
const CANCELLED: f64 = 0.06;

/// A question, the chance of "yes" to it, and the concerns that raise that chance.
type Question = (&'static str, f64, &'static [(&'static str, f64)]);

/// The chance of "yes" to each question of the evaluation: a base, raised by the
/// concerns of the report (the highest applies). A question the table does not know
/// gets `DEFAULT_YES`.
const QUESTIONS: [Question; 11] = [
    (
        "safety.author_has_access",
        0.15,
        &[
            ("sexual_violence", 0.4),
            ("physical_violence", 0.45),
            ("psychological_violence", 0.4),
            ("witnessing_domestic_violence", 0.5),
            ("torture_inhuman_treatment", 0.5),
            ("child_marriage", 0.5),
            ("sexual_exploitation", 0.4),
            ("domestic_work", 0.4),
        ],
    ),
    (
        "safety.serious_injury",
        0.01,
        &[
            ("physical_violence", 0.08),
            ("sexual_violence", 0.05),
            ("torture_inhuman_treatment", 0.4),
            ("abduction", 0.1),
            ("self_harm_risk", 0.15),
        ],
    ),
    (
        "safety.sexual_violence",
        0.02,
        &[
            ("sexual_violence", 0.9),
            ("sexual_exploitation", 0.8),
            ("online_sexual_exploitation", 0.5),
            ("child_marriage", 0.4),
            ("trafficking", 0.3),
            ("early_pregnancy", 0.5),
        ],
    ),
    (
        "safety.no_safe_place",
        0.01,
        &[
            ("abandonment", 0.35),
            ("street_situation", 0.3),
            ("unaccompanied_migrant", 0.3),
            ("missing", 0.2),
            ("trafficking", 0.2),
        ],
    ),
    (
        "health.untreated_illness",
        0.08,
        &[
            ("neglect", 0.35),
            ("substance_abuse", 0.3),
            ("early_pregnancy", 0.4),
        ],
    ),
    (
        "health.psychological_distress",
        0.15,
        &[
            ("sexual_violence", 0.45),
            ("self_harm_risk", 0.8),
            ("psychological_violence", 0.4),
            ("torture_inhuman_treatment", 0.6),
            ("abduction", 0.4),
        ],
    ),
    (
        "family.no_protective_adult",
        0.08,
        &[
            ("abandonment", 0.7),
            ("neglect", 0.45),
            ("street_situation", 0.5),
            ("unaccompanied_migrant", 0.8),
            ("begging_exploitation", 0.35),
        ],
    ),
    (
        "family.family_violence",
        0.12,
        &[
            ("physical_violence", 0.45),
            ("psychological_violence", 0.5),
            ("witnessing_domestic_violence", 0.9),
        ],
    ),
    (
        "education.out_of_school",
        0.12,
        &[
            ("school_dropout_risk", 0.85),
            ("child_labour", 0.7),
            ("street_situation", 0.7),
            ("domestic_work", 0.8),
            ("child_marriage", 0.8),
            ("hazardous_work", 0.7),
            ("begging_exploitation", 0.6),
        ],
    ),
    (
        "exploitation.working",
        0.03,
        &[
            ("child_labour", 0.95),
            ("hazardous_work", 0.95),
            ("domestic_work", 0.95),
            ("begging_exploitation", 0.7),
            ("street_situation", 0.3),
            ("trafficking", 0.5),
        ],
    ),
    (
        "exploitation.street",
        0.02,
        &[
            ("street_situation", 0.9),
            ("begging_exploitation", 0.5),
            ("unaccompanied_migrant", 0.3),
        ],
    ),
];
const DEFAULT_YES: f64 = 0.1;
/// Questions about school and work that do not apply to young children.
const SCHOOL_AGE_QUESTIONS: [&str; 3] = [
    "education.out_of_school",
    "exploitation.working",
    "exploitation.street",
];

/// The report's urgency, confirmed or not by the evaluation: worrying answers are more
/// likely where the report was urgent.
fn urgency_factor(urgency: &str) -> f64 {
    match urgency {
        "immediate" => 1.6,
        "high" => 1.25,
        "low" => 0.6,
        _ => 1.0,
    }
}

/// What a "yes" to each question means, as the justification says it.
const FINDINGS: [(&str, &str); 11] = [
    (
        "safety.author_has_access",
        "المعتدي المفترض ما زال بإمكانه الوصول إلى الطفل",
    ),
    (
        "safety.serious_injury",
        "الطفل يحمل إصابات تستدعي علاجا مستعجلا",
    ),
    ("safety.sexual_violence", "توجد مؤشرات على عنف جنسي"),
    ("safety.no_safe_place", "الطفل لا يتوفر على مكان آمن للمبيت"),
    ("health.untreated_illness", "مرض أو إعاقة دون تكفل"),
    (
        "health.psychological_distress",
        "علامات ضيق نفسي شديد لدى الطفل",
    ),
    (
        "family.no_protective_adult",
        "غياب راشد قادر على حماية الطفل",
    ),
    ("family.family_violence", "عنف داخل الأسرة"),
    ("education.out_of_school", "الطفل منقطع عن الدراسة"),
    ("exploitation.working", "الطفل يشتغل أو يستغل اقتصاديا"),
    ("exploitation.street", "الطفل يعيش في الشارع"),
];

/// The protection measures an evaluation proposes, by level.
fn measures(level: Level) -> &'static str {
    match level {
        Level::Immediate => "إيواء مستعجل للطفل في مكان آمن وإشعار النيابة العامة فورا.",
        Level::High => "إحالة الطفل على المصالح المختصة داخل الأجل المحدد مع تتبع يومي لوضعيته.",
        Level::Medium => "إعداد خطة تكفل فردية وتتبع أسبوعي لوضعية الطفل.",
        Level::Low => "مواكبة الأسرة وتوجيهها دون تدبير حماية مستعجل.",
    }
}

/// What a child says at an evaluation.
const EVALUATION_VIEWS: [&str; 8] = [
    "أريد أن أعود إلى البيت لكن لا أريد أن أرى ذلك الشخص مرة أخرى.",
    "أشعر بالخوف عندما أكون وحدي.",
    "أريد أن أبقى عند جدتي.",
    "لا أريد أن يعرف أحد في المدرسة ما حدث.",
    "أريد أن أرجع إلى القسم مع أصدقائي.",
    "أمي تساعدني وأريد أن أبقى معها.",
    "لا أريد أن أشتغل بعد الآن، أريد أن أتعلم.",
    "أريد أن يحاسب من آذاني.",
];

/// A contact's view of the child's situation, by stage: better as the pathway goes on.
const SITUATIONS: [(&str, [(&str, u64); 4]); 3] = [
    (
        "care",
        [
            ("improved", 35),
            ("stable", 40),
            ("worsened", 15),
            ("in_danger", 10),
        ],
    ),
    (
        "reintegration",
        [
            ("improved", 50),
            ("stable", 35),
            ("worsened", 10),
            ("in_danger", 5),
        ],
    ),
    (
        "follow_up",
        [
            ("improved", 60),
            ("stable", 32),
            ("worsened", 6),
            ("in_danger", 2),
        ],
    ),
];

/// The worker's notes and the child's words at a contact, by the situation found.
const CONTACT_TEXTS: [(&str, [&str; 2], [&str; 3]); 4] = [
    (
        "improved",
        [
            "تحسن ملحوظ في سلوك الطفل وفي علاقته بأسرته.",
            "الطفل مواظب على الدراسة والأسرة متعاونة مع المركز.",
        ],
        [
            "أشعر بالراحة في البيت الآن.",
            "رجعت إلى المدرسة وأحب معلمتي.",
            "أنام جيدا ولم يعد الخوف يلازمني.",
        ],
    ),
    (
        "stable",
        [
            "الوضعية مستقرة، ويتعين مواصلة المواكبة.",
            "الأسرة تلتزم جزئيا بالتوصيات.",
        ],
        [
            "لم يتغير شيء كثيرا، لكن الأمور بخير.",
            "أريد أن آتي إلى المركز أكثر.",
            "أحتاج إلى مساعدة في الدروس.",
        ],
    ),
    (
        "worsened",
        [
            "تراجع في المواظبة الدراسية وتوتر داخل الأسرة.",
            "ظهور علامات قلق لدى الطفل، تقرر تكثيف الزيارات.",
        ],
        [
            "المشاكل في البيت عادت من جديد.",
            "لا أريد الذهاب إلى المدرسة.",
            "أشعر بالحزن أغلب الوقت.",
        ],
    ),
    (
        "in_danger",
        [
            "مؤشرات على خطر جديد، تم إشعار المنسق.",
            "غادر الطفل البيت، وتم إخبار الشرطة.",
        ],
        [
            "أخاف أن أرجع إلى البيت.",
            "ما زال ذلك الشخص يأتي إلى الحي.",
            "لا أجد مكانا أنام فيه.",
        ],
    ),
];

const CONTACT_KINDS: [(&str, u64); 6] = [
    ("home_visit", 30),
    ("centre_visit", 30),
    ("phone_call", 20),
    ("school_visit", 10),
    ("institution_visit", 7),
    ("other", 3),
];
const FOLLOWUP_COUNTS: [(usize, u64); 4] = [(1, 50), (2, 28), (3, 14), (4, 8)];
const SERVICE_COUNTS: [(usize, u64); 4] = [(0, 15), (1, 40), (2, 30), (3, 15)];
/// Services of the stage the case is at weigh this much more than earlier ones'.
const CURRENT_STAGE_SERVICES: u64 = 4;
/// Contacts planned again when the case is still followed.
const NEXT_CONTACT: f64 = 0.7;
/// Plan reviews: the share recorded late, the chance that a case's reviews stop, the share
/// in which the child was heard, and what the reviews decide.
const REVIEW_LATE: f64 = 0.2;
const REVIEWS_STOP: f64 = 0.3;
const CHILD_HEARD: f64 = 0.8;
const REVIEW_DECISIONS: [(&str, u64); 4] = [
    ("continue", 55),
    ("adjust", 30),
    ("goals_met", 10),
    ("escalate", 5),
];

/// One action of a case plan: the stage it is drawn up at, its goal and action (sealed,
/// as a worker writes them), the sectors that carry it, the concerns it answers (it is
/// six times likelier for them), and how many days it is given.
struct PlanTemplate {
    stage: &'static str,
    goal: &'static str,
    action: &'static str,
    sectors: &'static [&'static str],
    concerns: &'static [&'static str],
    days: (i64, i64),
}

const fn template(
    stage: &'static str,
    goal: &'static str,
    action: &'static str,
    sectors: &'static [&'static str],
    concerns: &'static [&'static str],
    days: (i64, i64),
) -> PlanTemplate {
    PlanTemplate {
        stage,
        goal,
        action,
        sectors,
        concerns,
        days,
    }
}

const VIOLENCE: &[&str] = &[
    "sexual_violence",
    "physical_violence",
    "torture_inhuman_treatment",
];
const PLAN_TEMPLATES: [PlanTemplate; 19] = [
    template(
        "initial_diagnosis",
        "استكمال التشخيص الأولي لوضعية الطفل",
        "بحث اجتماعي وزيارة منزلية للأسرة",
        &["family_solidarity"],
        &[],
        (7, 21),
    ),
    template(
        "initial_diagnosis",
        "تقييم الحالة الصحية للطفل",
        "فحص طبي بالمستشفى الإقليمي وتسليم شهادة طبية",
        &["health"],
        VIOLENCE,
        (3, 14),
    ),
    template(
        "care",
        "ضمان التكفل الطبي بالطفل",
        "متابعة طبية بالمستشفى الإقليمي وفق المواعيد المحددة",
        &["health"],
        &[
            "physical_violence",
            "sexual_violence",
            "torture_inhuman_treatment",
            "neglect",
            "early_pregnancy",
        ],
        (14, 60),
    ),
    template(
        "care",
        "مساعدة الطفل على تجاوز آثار الصدمة",
        "حصص أسبوعية للدعم النفسي مع الأخصائي النفسي",
        &["health", "association"],
        &[
            "sexual_violence",
            "psychological_violence",
            "witnessing_domestic_violence",
            "abduction",
            "self_harm_risk",
        ],
        (30, 90),
    ),
    template(
        "care",
        "حماية حقوق الطفل أمام القضاء",
        "مواكبة الطفل خلال جلسات الاستماع والمحاكمة",
        &["justice", "public_prosecution"],
        &[
            "sexual_violence",
            "physical_violence",
            "trafficking",
            "sexual_exploitation",
            "child_marriage",
            "abduction",
        ],
        (30, 120),
    ),
    template(
        "care",
        "ضمان المساعدة القانونية للطفل وأسرته",
        "تعيين محام في إطار المساعدة القضائية",
        &["justice"],
        &[
            "sexual_violence",
            "conflict_with_law",
            "deprivation_of_liberty",
        ],
        (14, 45),
    ),
    template(
        "care",
        "توفير مكان آمن للطفل",
        "إيداع مؤقت بمؤسسة للرعاية الاجتماعية",
        &["entraide_nationale", "family_solidarity"],
        &[
            "abandonment",
            "street_situation",
            "unaccompanied_migrant",
            "missing",
            "trafficking",
        ],
        (7, 30),
    ),
    template(
        "care",
        "علاج الطفل من الإدمان",
        "إحالة الطفل على مركز لعلاج الإدمان ومتابعة الحصص",
        &["health"],
        &["substance_abuse"],
        (14, 60),
    ),
    template(
        "reintegration",
        "إعادة إدماج الطفل في المدرسة",
        "تسجيل الطفل بالمؤسسة التعليمية وتتبع مواظبته",
        &["education"],
        &[
            "school_dropout_risk",
            "child_labour",
            "street_situation",
            "domestic_work",
            "begging_exploitation",
        ],
        (30, 90),
    ),
    template(
        "reintegration",
        "تحسين المستوى الدراسي للطفل",
        "دروس الدعم المدرسي بالمؤسسة أو بالجمعية",
        &["education", "association"],
        &[],
        (30, 120),
    ),
    template(
        "reintegration",
        "تأهيل الطفل مهنيا",
        "تسجيل الطفل في مركز للتكوين المهني",
        &["labour", "entraide_nationale"],
        &[
            "child_labour",
            "hazardous_work",
            "street_situation",
            "conflict_with_law",
        ],
        (30, 120),
    ),
    template(
        "reintegration",
        "إعادة ربط الطفل بأسرته",
        "جلسات وساطة أسرية بحضور الوالدين",
        &["family_solidarity", "association"],
        &[
            "abandonment",
            "witnessing_domestic_violence",
            "psychological_violence",
            "street_situation",
            "missing",
        ],
        (21, 90),
    ),
    template(
        "reintegration",
        "تسجيل الطفل في الحالة المدنية",
        "إعداد ملف التسجيل وإيداعه بمكتب الحالة المدنية",
        &["local_authority", "interior"],
        &["abandonment", "unaccompanied_migrant"],
        (30, 120),
    ),
    template(
        "reintegration",
        "سحب الطفل من العمل",
        "زيارة مفتش الشغل لمكان العمل ومواكبة الأسرة",
        &["labour"],
        &[
            "child_labour",
            "hazardous_work",
            "domestic_work",
            "begging_exploitation",
        ],
        (14, 60),
    ),
    template(
        "reintegration",
        "دعم الأسرة اقتصاديا",
        "إدماج الأسرة في برنامج الدعم الاجتماعي المباشر",
        &["entraide_nationale", "local_authority"],
        &["neglect", "child_labour", "begging_exploitation"],
        (30, 120),
    ),
    template(
        "reintegration",
        "تنمية مهارات الطفل وثقته بنفسه",
        "تسجيل الطفل في أنشطة دار الشباب",
        &["youth_sports", "association"],
        &[],
        (30, 90),
    ),
    template(
        "follow_up",
        "التأكد من استقرار وضعية الطفل",
        "زيارات منزلية منتظمة من طرف المساعدة الاجتماعية",
        &["family_solidarity"],
        &[],
        (30, 120),
    ),
    template(
        "follow_up",
        "تتبع المسار الدراسي للطفل",
        "لقاء دوري مع إدارة المؤسسة التعليمية",
        &["education"],
        &["school_dropout_risk", "child_labour", "street_situation"],
        (30, 120),
    ),
    template(
        "follow_up",
        "تتبع الحالة الصحية للطفل",
        "فحص طبي للمراقبة بالمركز الصحي",
        &["health"],
        VIOLENCE,
        (30, 90),
    ),
];
/// How many actions each stage adds to the plan.
type PlanCounts = (&'static str, &'static [(usize, u64)]);
const PLAN_COUNTS: [PlanCounts; 4] = [
    ("initial_diagnosis", &[(0, 50), (1, 50)]),
    ("care", &[(1, 35), (2, 45), (3, 20)]),
    ("reintegration", &[(0, 10), (1, 55), (2, 35)]),
    ("follow_up", &[(0, 50), (1, 50)]),
];

const NATIONALITIES: [(&str, u64); 8] = [
    ("moroccan", 955),
    ("sub_saharan_african", 20),
    ("other_african", 5),
    ("syrian", 5),
    ("other_arab", 3),
    ("european", 2),
    ("other", 2),
    ("unknown", 8),
];
/// Children who came alone or as refugees.
const NATIONALITIES_MIGRANT: [(&str, u64); 5] = [
    ("sub_saharan_african", 60),
    ("other_african", 15),
    ("syrian", 10),
    ("other_arab", 5),
    ("unknown", 10),
];
const MIGRANT_GROUPS: [&str; 2] = ["unaccompanied_migrant", "refugee"];
const REGISTERED: [(&str, u64); 3] = [("yes", 93), ("no", 4), ("unknown", 3)];
const DISABILITY: [(&str, u64); 3] = [("yes", 2), ("no", 88), ("unknown", 10)];
const FAMILY_TYPES: [(&str, u64); 8] = [
    ("biological", 50),
    ("single_parent", 15),
    ("extended", 10),
    ("poor", 12),
    ("kafala", 3),
    ("unable_to_protect", 5),
    ("institution", 3),
    ("unknown", 2),
];
/// The family type a target group of the report points to.
const FAMILY_OF_GROUP: [(&str, &str); 5] = [
    ("in_institution", "institution"),
    ("orphan", "extended"),
    ("broken_family", "single_parent"),
    ("poor_family", "poor"),
    ("isolated_rural_area", "isolated_rural"),
];
const RURAL_FAMILY: (&str, u64) = ("isolated_rural", 8);
/// Schooling by age band: (youngest age, weights).
/// The schooling of a child aged at least so many years.
type SchoolingBand = (i64, &'static [(&'static str, u64)]);
const SCHOOLING: [SchoolingBand; 4] = [
    (0, &[("not_school_age", 100)]),
    (4, &[("preschool", 60), ("not_school_age", 40)]),
    (
        6,
        &[
            ("in_school", 82),
            ("dropped_out", 10),
            ("never_enrolled", 8),
        ],
    ),
    (
        16,
        &[
            ("in_school", 55),
            ("dropped_out", 25),
            ("vocational_training", 15),
            ("never_enrolled", 5),
        ],
    ),
];
/// Concerns that often go with leaving school: such a child of school age has left it.
const OUT_OF_SCHOOL: [&str; 5] = [
    "school_dropout_risk",
    "child_labour",
    "domestic_work",
    "street_situation",
    "child_marriage",
];

/// An entry of a file: its form, kind, the stage it is made at (`None`: the first stage
/// past detection, or detection for a case still there), how likely, and its summary.
struct EntryKind {
    form: &'static str,
    kind: &'static str,
    stage: Option<&'static str>,
    chance: f64,
    summary: &'static str,
}

const fn entry(
    form: &'static str,
    kind: &'static str,
    stage: Option<&'static str>,
    chance: f64,
    summary: &'static str,
) -> EntryKind {
    EntryKind {
        form,
        kind,
        stage,
        chance,
        summary,
    }
}

const SOCIAL: &str = "social_entry";
const MEDICAL: &str = "medical_entry";
const JUDICIAL: &str = "judicial_entry";

// Each entry below is written when its condition (in `Writer::entries`) holds.
const SOCIAL_INQUIRY: EntryKind = entry(
    SOCIAL,
    "social_inquiry",
    Some("initial_diagnosis"),
    0.25,
    "بحث اجتماعي: زيارة منزلية والاستماع إلى الأسرة حول ظروف عيش الطفل.",
);
const FAMILY_VISIT: EntryKind = entry(
    SOCIAL,
    "family_visit",
    Some("care"),
    0.1,
    "زيارة الأسرة للاطلاع على تطور وضعية الطفل داخل البيت.",
);
const PLACEMENT: EntryKind = entry(
    SOCIAL,
    "placement",
    Some("care"),
    0.3,
    "إيداع مؤقت للطفل بمؤسسة للرعاية الاجتماعية بأمر من النيابة العامة.",
);
const FAMILY_MEDIATION: EntryKind = entry(
    SOCIAL,
    "family_mediation",
    Some("reintegration"),
    0.1,
    "جلسة وساطة بين الطفل ووالديه بحضور المساعدة الاجتماعية.",
);
const CIVIL_REGISTRATION: EntryKind = entry(
    SOCIAL,
    "civil_registration_step",
    Some("reintegration"),
    0.5,
    "إيداع ملف تسجيل الطفل بمكتب الحالة المدنية.",
);
const SCHOOLING_STEP: EntryKind = entry(
    SOCIAL,
    "schooling_step",
    Some("reintegration"),
    0.3,
    "لقاء مع مدير المؤسسة التعليمية لإعادة تسجيل الطفل.",
);
const FORENSIC_EXAM: EntryKind = entry(
    MEDICAL,
    "forensic_exam",
    None,
    0.25,
    "فحص طبي شرعي وتسليم شهادة طبية تحدد مدة العجز.",
);
const HOSPITALISATION: EntryKind = entry(
    MEDICAL,
    "hospitalisation",
    None,
    0.5,
    "استشفاء الطفل بقسم المستعجلات لتلقي العلاج.",
);
const PSYCHOLOGICAL_SESSION: EntryKind = entry(
    MEDICAL,
    "psychological_session",
    Some("care"),
    0.08,
    "حصة دعم نفسي فردية مع الأخصائية النفسية.",
);
const COMPLAINT: EntryKind = entry(
    JUDICIAL,
    "complaint",
    Some("detection"),
    0.2,
    "تسجيل شكاية لدى النيابة العامة من طرف ولي الطفل.",
);
const PROSECUTOR_ORDER: EntryKind = entry(
    JUDICIAL,
    "prosecutor_order",
    None,
    0.4,
    "أمرت النيابة العامة بإجراء بحث وبالتكفل بالطفل.",
);
const HEARING: EntryKind = entry(
    JUDICIAL,
    "hearing",
    Some("care"),
    0.35,
    "جلسة استماع للطفل بحضور المساعدة الاجتماعية.",
);
const COURT_DECISION: EntryKind = entry(
    JUDICIAL,
    "court_decision",
    Some("reintegration"),
    0.3,
    "صدور حكم في القضية وإبلاغ الأسرة به.",
);
const PROTECTION_MEASURE: EntryKind = entry(
    JUDICIAL,
    "protection_measure",
    Some("care"),
    0.2,
    "أمر قاضي الأحداث بتدبير حماية لفائدة الطفل.",
);
/// Concerns that usually go before the prosecution.
const JUDICIAL_CONCERNS: [&str; 9] = [
    "sexual_violence",
    "physical_violence",
    "sexual_exploitation",
    "online_sexual_exploitation",
    "trafficking",
    "abduction",
    "torture_inhuman_treatment",
    "child_marriage",
    "sale",
];
/// Days of total incapacity (ITT) a forensic certificate gives, by concern: bruises
/// for most, more than 20 days (an aggravating circumstance) for few.
const ITT_DAYS: [(&str, (i64, i64)); 3] = [
    ("torture_inhuman_treatment", (10, 60)),
    ("physical_violence", (1, 30)),
    ("sexual_violence", (0, 10)),
];

/// The forms, rules and vocabularies the case work needs, checked once.
pub(super) struct Work<'r> {
    reference: &'r Reference,
    evaluation: &'r Form,
    scoring: &'r Scoring,
    plan: &'r Form,
    followup: &'r Form,
    review: &'r Form,
    review_decisions: Weighted<&'static str>,
    profile: &'r Form,
    /// Each service with the stage it belongs to.
    services: Vec<(&'r str, &'r str)>,
    contact_kinds: Weighted<&'static str>,
    followup_counts: Weighted<usize>,
    service_counts: Weighted<usize>,
    situations: Vec<(&'static str, Weighted<&'static str>)>,
    plan_counts: Vec<(&'static str, Weighted<usize>)>,
    nationalities: Weighted<&'static str>,
    nationalities_migrant: Weighted<&'static str>,
    registered: Weighted<&'static str>,
    disability: Weighted<&'static str>,
    family_types_urban: Weighted<&'static str>,
    family_types_rural: Weighted<&'static str>,
    schooling: Vec<(i64, Weighted<&'static str>)>,
}

/// The version of a form the demo fills.
fn form<'r>(reference: &'r Reference, code: &str) -> anyhow::Result<&'r Form> {
    reference
        .form_version(code, FORM_VERSION)
        .ok_or_else(|| anyhow!("the reference set has no form \"{code}\" version {FORM_VERSION}"))
}

impl<'r> Work<'r> {
    pub(super) fn new(reference: &'r Reference) -> anyhow::Result<Work<'r>> {
        let form = |code: &str| form(reference, code);
        for code in [SOCIAL, MEDICAL, JUDICIAL] {
            form(code)?;
        }
        let evaluation = form("evaluation")?;
        let scoring = reference
            .scoring(&evaluation.code, evaluation.version)
            .ok_or_else(|| anyhow!("the evaluation form has no scoring rules"))?;
        let services = reference
            .vocabulary("services")
            .ok_or_else(|| anyhow!("the reference set has no vocabulary \"services\""))?
            .terms
            .iter()
            .filter_map(|t| Some((t.code.as_str(), t.group.as_deref()?)))
            .collect();
        let sectors = reference
            .vocabulary("sectors")
            .ok_or_else(|| anyhow!("the reference set has no vocabulary \"sectors\""))?;
        let plan_sectors = PLAN_TEMPLATES.iter().flat_map(|t| t.sectors.iter());
        if let Some(unknown) = std::iter::once(&EVALUATING_SECTOR)
            .chain(plan_sectors)
            .find(|code| !sectors.contains(code))
        {
            bail!("the sectors vocabulary has no \"{unknown}\", which the demo's plans name");
        }
        let weighted =
            |what: &str, table: &[(&'static str, u64)]| Weighted::new(what, table.iter().copied());
        let mut rural = FAMILY_TYPES.to_vec();
        rural.push(RURAL_FAMILY);
        Ok(Work {
            reference,
            evaluation,
            scoring,
            plan: form("plan_action")?,
            followup: form("followup")?,
            review: form(awladna_domain::plan_review::FORM)?,
            review_decisions: weighted("a review's decision", &REVIEW_DECISIONS)?,
            profile: form("child_profile")?,
            services,
            contact_kinds: weighted("a contact kind", &CONTACT_KINDS)?,
            followup_counts: Weighted::new("a number of follow-ups", FOLLOWUP_COUNTS)?,
            service_counts: Weighted::new("a number of services", SERVICE_COUNTS)?,
            situations: SITUATIONS
                .iter()
                .map(|(stage, table)| Ok((*stage, weighted("a situation", table)?)))
                .collect::<anyhow::Result<_>>()?,
            plan_counts: PLAN_COUNTS
                .iter()
                .map(|(stage, table)| {
                    Ok((
                        *stage,
                        Weighted::new("a number of actions", table.iter().copied())?,
                    ))
                })
                .collect::<anyhow::Result<_>>()?,
            nationalities: weighted("a nationality", &NATIONALITIES)?,
            nationalities_migrant: weighted("a nationality", &NATIONALITIES_MIGRANT)?,
            registered: weighted("a civil registration", &REGISTERED)?,
            disability: weighted("a disability", &DISABILITY)?,
            family_types_urban: weighted("a family type", &FAMILY_TYPES)?,
            family_types_rural: weighted("a family type", &rural)?,
            schooling: SCHOOLING
                .iter()
                .map(|(age, table)| Ok((*age, weighted("a schooling", table)?)))
                .collect::<anyhow::Result<_>>()?,
        })
    }

    fn form(&self, code: &str) -> anyhow::Result<&'r Form> {
        form(self.reference, code)
    }
}

impl<'r> Generator<'r> {
    /// Writes the work on a case just opened and returns the case's risk: the level of
    /// its latest evaluation, or the report's urgency if it has none yet.
    pub(super) fn case_work(
        &mut self,
        batch: &mut Batch,
        child: &Child<'r>,
        case: &NewCase<'r>,
        reported: &Reported<'r>,
    ) -> anyhow::Result<&'r str> {
        let place = &self.catalogue.places[child.place];
        let now = self.calendar.now;
        let mut writer = Writer {
            work: &self.catalogue.work,
            calendar: &self.calendar,
            keyring: self.keyring,
            rng: &mut self.work_rng,
            batch,
            child,
            case,
            reported,
            territory: place.code,
            place_name: place.name_ar,
            spans: stage_spans(case, now),
            // The case takes no card once closed.
            last: case.closed_at.map_or(now, |closed| closed - MINUTE),
            now,
        };
        writer.write()
    }
}

/// The time a case spent at a stage (up to now for the stage it is at).
#[derive(Debug, Clone, Copy)]
struct StageSpan<'r> {
    stage: &'r str,
    start: i64,
    end: i64,
    /// Whether the case has moved on from it.
    left: bool,
}

impl StageSpan<'_> {
    /// A moment between the fractions `from` and `to` of the span.
    fn moment(&self, rng: &mut ChaCha8Rng, from: f64, to: f64) -> i64 {
        let length = (self.end - self.start).max(0) as f64;
        self.start + (length * rng.random_range(from..to)) as i64
    }
}

fn stage_spans<'r>(case: &NewCase<'r>, now: i64) -> Vec<StageSpan<'r>> {
    let horizon = case.closed_at.unwrap_or(now);
    let mut spans: Vec<StageSpan<'r>> = case
        .moves
        .windows(2)
        .map(|pair| StageSpan {
            stage: pair[0].to,
            start: pair[0].at,
            end: pair[1].at,
            left: true,
        })
        .collect();
    if let Some(last) = case.moves.last().filter(|m| case.closed_at != Some(m.at)) {
        spans.push(StageSpan {
            stage: last.to,
            start: last.at,
            end: horizon,
            left: false,
        });
    }
    spans
}

/// What the child's situation card says, for the file entries that depend on it.
struct Profile {
    registered: Option<&'static str>,
    schooling: Option<&'static str>,
}

/// An evaluation as scored, with when it was recorded.
struct Evaluated {
    at: i64,
    assessment: Assessment,
}

impl Evaluated {
    fn said_yes(&self, field: &str) -> bool {
        self.assessment.drivers.iter().any(|d| d.field == field)
    }
}

/// Everything needed to write the work on one case.
struct Writer<'a, 'r> {
    work: &'a Work<'r>,
    calendar: &'a super::Calendar,
    keyring: &'a Keyring,
    rng: &'a mut ChaCha8Rng,
    batch: &'a mut Batch,
    child: &'a Child<'r>,
    case: &'a NewCase<'r>,
    reported: &'a Reported<'r>,
    territory: &'r str,
    place_name: &'r str,
    spans: Vec<StageSpan<'r>>,
    /// The last moment a card can be recorded on the case.
    last: i64,
    now: i64,
}

impl<'r> Writer<'_, 'r> {
    fn write(&mut self) -> anyhow::Result<&'r str> {
        let profile = self.child_profile()?;
        let first_action = self.batch.rows.plan_actions.len();
        let evaluations = self.evaluations()?;
        self.plan()?;
        let plan_since = self.batch.rows.plan_actions[first_action..]
            .iter()
            .map(|a| a.created_at)
            .min();
        if let Some(since) = plan_since {
            self.reviews(since)?;
        }
        self.followups()?;
        self.entries(&profile, evaluations.first())?;
        Ok(evaluations
            .last()
            .map_or(self.case.urgency, |e| e.assessment.level.code()))
    }

    fn span(&self, stage: &str) -> Option<StageSpan<'r>> {
        self.spans.iter().find(|s| s.stage == stage).copied()
    }

    fn has(&self, concerns: &[&str]) -> bool {
        self.reported.concerns.iter().any(|c| concerns.contains(c))
    }

    fn age_at(&self, ms: i64) -> i64 {
        (self.calendar.year_of(ms) - self.child.birth_year).clamp(0, 17)
    }

    /// When a card about something done at `at` is recorded: soon after, before the
    /// case closes and never after now.
    fn recorded_at(&mut self, at: i64) -> i64 {
        (at + self.rng.random_range(10 * MINUTE..2 * DAY))
            .min(self.last)
            .max(at)
    }

    fn local_date(&self, ms: i64) -> anyhow::Result<Value> {
        Ok(self.calendar.local_date(ms)?.to_string().into())
    }

    fn one_of(&mut self, texts: &[&'static str]) -> &'static str {
        texts[self.rng.random_range(0..texts.len())]
    }

    /// `values` checked by the form engine as of `at`, as the application checks a card
    /// when it is recorded: the demo never writes what the engine would refuse.
    fn checked(
        &self,
        form: &Form,
        values: Map<String, Value>,
        at: i64,
    ) -> anyhow::Result<CheckedCard> {
        form.check(
            &Value::Object(values),
            Completeness::Complete,
            self.work.reference,
            Timestamp::from_millisecond(at)?,
        )
        .map_err(|errors| {
            anyhow!(
                "the demo made a {} card its form refuses: {errors:?}",
                form.code
            )
        })
    }

    /// Writes a checked card on the case, recorded at `at`: its values split and sealed
    /// as the application does, with `extra` values kept in clear beside them.
    fn write_card(
        &mut self,
        form: &Form,
        card: &CheckedCard,
        at: i64,
        extra: &[(&str, Value)],
    ) -> anyhow::Result<()> {
        let id = row_id(self.rng, at);
        let (mut data, personal) = card.split(form);
        if let Some(object) = data.as_object_mut() {
            for (key, value) in extra {
                object.insert((*key).to_owned(), value.clone());
            }
        }
        let sealed = seal(self.keyring, &personal, "cards", "sealed", &id)?;
        let row = CardRow {
            id,
            form_code: &card.form_code,
            form_version: card.form_version,
            territory: self.territory,
            child_id: &self.child.id,
            case_id: Some(&self.case.id),
            complete: card.complete,
            data: data.to_string(),
            sealed,
            created_at: at,
            updated_at: at,
        };
        self.batch.rows.cards.push(row.bulk());
        Ok(())
    }

    /// The child's situation card, filled in the first days of the case.
    fn child_profile(&mut self) -> anyhow::Result<Profile> {
        let opened = self.case.opened_at;
        let at = (opened + self.rng.random_range(HOUR..5 * DAY))
            .min(self.last)
            .max(opened);
        let age = self.age_at(at);
        let reported = self.reported;
        let groups = &reported.target_groups;
        let migrant = self.has(&["unaccompanied_migrant"])
            || groups.iter().any(|g| MIGRANT_GROUPS.contains(g));
        let nationality = if migrant {
            *self.work.nationalities_migrant.pick(self.rng)
        } else {
            *self.work.nationalities.pick(self.rng)
        };
        let registered = if groups.contains(&"not_registered_civil_status") {
            "no"
        } else {
            *self.work.registered.pick(self.rng)
        };
        let schooling = self.schooling(age);
        let disability = if groups.contains(&"disability") {
            "yes"
        } else {
            *self.work.disability.pick(self.rng)
        };
        let family = match FAMILY_OF_GROUP.iter().find(|(g, _)| groups.contains(g)) {
            Some((_, family)) if self.rng.random_bool(0.7) => *family,
            _ if self.reported.area == Some(Area::Rural) => {
                *self.work.family_types_rural.pick(self.rng)
            }
            _ => *self.work.family_types_urban.pick(self.rng),
        };
        let mut target_groups: Vec<&str> = groups.clone();
        if matches!(schooling, "dropped_out" | "never_enrolled") {
            target_groups.push("out_of_school");
        }
        if disability == "yes" {
            target_groups.push("disability");
        }
        if registered == "no" {
            target_groups.push("not_registered_civil_status");
        }
        target_groups.sort_unstable();
        target_groups.dedup();

        // Facts are often learnt over several contacts: some are not known yet.
        let known = |rng: &mut ChaCha8Rng, code: &'static str| {
            (!rng.random_bool(PROFILE_GAP)).then_some(code)
        };
        let profile = Profile {
            registered: known(self.rng, registered),
            schooling: known(self.rng, schooling),
        };
        let mut values = Map::new();
        values.insert("child.nationality".into(), nationality.into());
        let facts = [
            ("child.civil_registration", profile.registered),
            ("child.schooling", profile.schooling),
            ("child.disability", known(self.rng, disability)),
            ("family.type", known(self.rng, family)),
        ];
        for (code, value) in facts {
            if let Some(value) = value {
                values.insert(code.into(), value.into());
            }
        }
        if !target_groups.is_empty() {
            values.insert("child.target_groups".into(), codes(target_groups));
        }
        let form = self.work.profile;
        let card = self.checked(form, values, at)?;
        self.write_card(form, &card, at, &[])?;
        self.batch.counts.child_profiles += 1;
        Ok(profile)
    }

    fn schooling(&mut self, age: i64) -> &'static str {
        let work = self.work;
        let band = work
            .schooling
            .iter()
            .rev()
            .find(|(from, _)| *from <= age)
            .or(work.schooling.first())
            .map(|(_, weights)| weights);
        let Some(band) = band else {
            return "not_school_age";
        };
        let schooling = *band.pick(self.rng);
        // A child of school age whose report speaks of work or the street is out of it.
        if schooling == "in_school" && self.has(&OUT_OF_SCHOOL) && self.rng.random_bool(0.6) {
            "dropped_out"
        } else {
            schooling
        }
    }

    /// The evaluation once the case is past detection, in the first stage after it
    /// (early in immediate assistance, during the diagnosis otherwise), and for some
    /// cases again once care has begun.
    fn evaluations(&mut self) -> anyhow::Result<Vec<Evaluated>> {
        let Some(first) = self.spans.get(1).copied() else {
            return Ok(Vec::new());
        };
        let at = match first.stage {
            "immediate_assistance" => first.moment(self.rng, 0.0, 0.5),
            _ => first.moment(self.rng, 0.1, 0.8),
        };
        let mut evaluated = vec![self.evaluation(first, at, 1.0)?];
        if let Some(care) = self.span("care")
            && self.rng.random_bool(REEVALUATED)
        {
            let at = care.moment(self.rng, 0.2, 0.9);
            evaluated.push(self.evaluation(care, at, SAFER_IN_CARE)?);
        }
        Ok(evaluated)
    }

    /// One evaluation at `at`, answered as the case's concerns and urgency suggest
    /// (`factor` scales every worrying answer), scored by the real rules and stored as
    /// the application stores it; a level with a deadline puts its action on the plan.
    fn evaluation(
        &mut self,
        span: StageSpan<'r>,
        at: i64,
        factor: f64,
    ) -> anyhow::Result<Evaluated> {
        let form = self.work.evaluation;
        let young = self.age_at(at) < VIEWS_FROM_AGE;
        let factor = factor * urgency_factor(self.case.urgency);
        let mut values = Map::new();
        for field in form.fields() {
            if field.vocabulary.as_deref() != Some("answers") {
                continue;
            }
            let (base, raised) = QUESTIONS
                .iter()
                .find(|(code, _, _)| *code == field.code)
                .map_or((DEFAULT_YES, &[][..]), |(_, base, raised)| (*base, *raised));
            let mut chance = raised
                .iter()
                .filter(|(concern, _)| self.reported.concerns.contains(concern))
                .fold(base, |p, (_, q)| p.max(*q));
            if young && SCHOOL_AGE_QUESTIONS.contains(&field.code.as_str()) {
                chance *= 0.1;
            }
            let chance = (chance * factor).clamp(0.0, 0.95);
            let answer = if self.rng.random_bool(UNKNOWN_ANSWER) {
                "unknown"
            } else if self.rng.random_bool(chance) {
                "yes"
            } else {
                "no"
            };
            values.insert(field.code.clone(), answer.into());
        }
        // The justification says what the answers show, so it is written from their
        // score; the card is scored again once checked, as the application scores it.
        let answers = values.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let found = self.work.scoring.assess(&answers);
        values.insert("justification".into(), justification(form, &found).into());
        if !young && self.rng.random_bool(VIEWS_RECORDED) {
            values.insert("child_views".into(), self.one_of(&EVALUATION_VIEWS).into());
        }
        let card = self.checked(form, values, at)?;
        // Scored from the checked values, exactly as the application scores them.
        let assessment = self.work.scoring.assess(&card.values);
        let level = assessment.level;
        let extra = [
            ("risk", json!(level.code())),
            ("score", json!(assessment.score)),
        ];
        self.write_card(form, &card, at, &extra)?;
        self.batch.counts.evaluations += 1;
        if let Some(deadline) = self.work.scoring.deadline(level) {
            let due = at + i64::try_from(deadline.as_millis()).unwrap_or(i64::MAX / 2);
            // The application seals an empty text: the interface words the action.
            self.action(&json!({}), EVALUATING_SECTOR, "evaluation", at, due, span)?;
        }
        Ok(Evaluated { at, assessment })
    }

    /// The case plan: actions drawn up at each stage from the diagnosis on, those that
    /// answer the case's concerns likelier.
    fn plan(&mut self) -> anyhow::Result<()> {
        for span in self.spans.clone() {
            let Some(counts) = self.work.plan_counts.iter().find(|(s, _)| *s == span.stage) else {
                continue;
            };
            let n = *counts.1.pick(self.rng);
            let templates = PLAN_TEMPLATES
                .iter()
                .enumerate()
                .filter(|(_, t)| t.stage == span.stage)
                .map(|(i, t)| (i, if self.has(t.concerns) { 6 } else { 1 }));
            let Ok(weighted) = Weighted::new("a plan action", templates) else {
                continue;
            };
            for index in weighted.pick_distinct(self.rng, n) {
                let template = &PLAN_TEMPLATES[index];
                let at = span.moment(self.rng, 0.0, 0.3);
                let days = self.rng.random_range(template.days.0..=template.days.1);
                let due_date = self.calendar.days_after(at, days)?;
                let sector = template.sectors[self.rng.random_range(0..template.sectors.len())];
                let mut values = Map::new();
                values.insert("plan.goal".into(), template.goal.into());
                values.insert("plan.action".into(), template.action.into());
                values.insert("plan.responsible".into(), sector.into());
                values.insert("plan.due_date".into(), due_date.to_string().into());
                let card = self.checked(self.work.plan, values, at)?;
                // Sealed as the plan's page seals them: the personal values alone.
                let (_, text) = card.split(self.work.plan);
                let due = self.calendar.end_of_day(due_date)?;
                self.action(&text, sector, "plan", at, due, span)?;
            }
        }
        Ok(())
    }

    /// An action on the plan, created at `at` during `span`, due at `due`, with the
    /// status it has by now: work starts soon, most is done by its due date, some late;
    /// an action of a stage the case has left is under way at least, and closing a case
    /// ends whatever was still open on it.
    fn action(
        &mut self,
        text: &Value,
        sector: &str,
        origin: &str,
        at: i64,
        due: i64,
        span: StageSpan<'r>,
    ) -> anyhow::Result<()> {
        let length = (due - at).max(HOUR) as f64;
        let started = at + (length * self.rng.random_range(0.0..0.3)) as i64;
        let ended = at + (length * self.rng.random_range(0.3..1.5)) as i64;
        let end = if self.rng.random_bool(CANCELLED) {
            "cancelled"
        } else {
            "done"
        };
        let (status, updated_at, version) = match self.case.closed_at {
            _ if ended <= self.case.closed_at.unwrap_or(self.now) => {
                (end, ended, if end == "done" { 3 } else { 2 })
            }
            Some(closed) => ("cancelled", closed, 2),
            None if started <= self.now || span.left => {
                ("in_progress", started.min(self.now).max(at), 2)
            }
            None => ("planned", at, 1),
        };
        let id = row_id(self.rng, at);
        let sealed = seal(self.keyring, text, "plan_actions", "sealed", &id)?;
        self.batch.rows.plan_actions.push(BulkPlanAction {
            id,
            case_id: self.case.id.clone(),
            territory: self.territory.to_owned(),
            sealed,
            responsible_sector: sector.to_owned(),
            responsible_org: None,
            due_at: due,
            status: status.to_owned(),
            origin: origin.to_owned(),
            created_by: DEMO_AUTHOR.to_owned(),
            created_at: at,
            updated_at,
            version,
        });
        if OPEN_STATUSES.contains(&status) && due < self.now {
            self.batch.counts.overdue_actions += 1;
        }
        Ok(())
    }

    /// The plan's reviews, every few months as the shipped rule asks, from its first
    /// action until the case closed or now: most a little before their date, some late,
    /// and on some cases the reviews stop (those show late to the coordinator).
    fn reviews(&mut self, since: i64) -> anyhow::Result<()> {
        let rule = ReviewRule::shipped();
        let mut last = None;
        while let Some(due) = rule.due_at(since, last) {
            if self.rng.random_bool(REVIEWS_STOP) {
                break;
            }
            let late = match self.rng.random_bool(REVIEW_LATE) {
                true => self.rng.random_range(5 * DAY..40 * DAY),
                false => -self.rng.random_range(0..20 * DAY),
            };
            let at = due + late;
            if at > self.last {
                break;
            }
            last = Some(self.review(at)?);
        }
        Ok(())
    }

    /// One review card, recorded soon after `at`; when it was recorded.
    fn review(&mut self, at: i64) -> anyhow::Result<i64> {
        let stage = self
            .spans
            .iter()
            .rev()
            .find(|s| s.start <= at)
            .map_or("care", |s| s.stage);
        let situation = match self.work.situations.iter().find(|(s, _)| *s == stage) {
            Some((_, weights)) => *weights.pick(self.rng),
            None => "stable",
        };
        let heard = if self.rng.random_bool(CHILD_HEARD) {
            "yes"
        } else {
            "no"
        };
        let mut values = Map::new();
        values.insert("review.date".into(), self.local_date(at)?);
        values.insert("review.situation".into(), situation.into());
        values.insert("review.child_heard".into(), heard.into());
        let decision = *self.work.review_decisions.pick(self.rng);
        values.insert("review.decision".into(), decision.into());
        let recorded = self.recorded_at(at);
        let form = self.work.review;
        let card = self.checked(form, values, recorded)?;
        self.write_card(form, &card, recorded, &[])?;
        self.batch.counts.plan_reviews += 1;
        Ok(recorded)
    }

    /// Follow-up contacts once care has begun, spread until the case closed or now.
    fn followups(&mut self) -> anyhow::Result<()> {
        let Some(care) = self.span("care") else {
            return Ok(());
        };
        let (start, end) = (care.start, self.last.max(care.start));
        // Not more than one contact a fortnight.
        let most = usize::try_from((end - start) / (14 * DAY)).unwrap_or(0) + 1;
        let n = (*self.work.followup_counts.pick(self.rng)).min(most);
        let mut times: Vec<i64> = (0..n).map(|_| self.rng.random_range(start..=end)).collect();
        times.sort_unstable();
        for (k, at) in times.iter().copied().enumerate() {
            let last = k + 1 == times.len();
            self.followup(at, last)?;
        }
        Ok(())
    }

    fn followup(&mut self, at: i64, last: bool) -> anyhow::Result<()> {
        let stage = self
            .spans
            .iter()
            .rev()
            .find(|s| s.start <= at)
            .map_or("care", |s| s.stage);
        let situation = match self.work.situations.iter().find(|(s, _)| *s == stage) {
            Some((_, weights)) => *weights.pick(self.rng),
            None => "stable",
        };
        let kind = *self.work.contact_kinds.pick(self.rng);
        let mut values = Map::new();
        values.insert("contact.date".into(), self.local_date(at)?);
        values.insert("contact.kind".into(), kind.into());
        values.insert("situation.overall".into(), situation.into());
        let (notes, views) = CONTACT_TEXTS
            .iter()
            .find(|(s, _, _)| *s == situation)
            .map_or((&[][..], &[][..]), |(_, notes, views)| {
                (&notes[..], &views[..])
            });
        if !notes.is_empty() && self.rng.random_bool(0.5) {
            values.insert("situation.notes".into(), self.one_of(notes).into());
        }
        let services = self.services_at(at, stage);
        if !services.is_empty() {
            values.insert("services.delivered".into(), codes(services));
        }
        if !views.is_empty()
            && self.age_at(at) >= VIEWS_FROM_AGE
            && self.rng.random_bool(VIEWS_RECORDED)
        {
            values.insert("child.views".into(), self.one_of(views).into());
        }
        let followed = !last || self.case.closed_at.is_none();
        if followed && self.rng.random_bool(NEXT_CONTACT) {
            let days = self.rng.random_range(14..=45);
            let next = self.calendar.days_after(at, days)?;
            values.insert("next.date".into(), next.to_string().into());
        }
        let recorded = self.recorded_at(at);
        let form = self.work.followup;
        let card = self.checked(form, values, recorded)?;
        self.write_card(form, &card, recorded, &[])?;
        self.batch.counts.followups += 1;
        Ok(())
    }

    /// Services delivered by `at`: those of the stages the case has reached by then,
    /// mostly of the stage it is at.
    fn services_at(&mut self, at: i64, stage: &str) -> Vec<&'r str> {
        let reached: Vec<&str> = self
            .spans
            .iter()
            .filter(|s| s.start <= at)
            .map(|s| s.stage)
            .collect();
        let offered = self
            .work
            .services
            .iter()
            .filter(|(_, group)| reached.contains(group))
            .map(|(code, group)| {
                let weight = if *group == stage {
                    CURRENT_STAGE_SERVICES
                } else {
                    1
                };
                (*code, weight)
            });
        let Ok(offered) = Weighted::new("a service", offered) else {
            return Vec::new();
        };
        let n = *self.work.service_counts.pick(self.rng);
        offered.pick_distinct(self.rng, n)
    }

    /// Entries of the social, medical and judicial files, each at the stage it belongs
    /// to, as the case's concerns, situation card and first evaluation call for them.
    fn entries(&mut self, profile: &Profile, evaluated: Option<&Evaluated>) -> anyhow::Result<()> {
        let yes = |field: &str| evaluated.is_some_and(|e| e.said_yes(field));
        let no_safe_place = yes("safety.no_safe_place") || self.has(&["abandonment"]);
        let out_of_school = matches!(profile.schooling, Some("dropped_out" | "never_enrolled"));
        let distressed = yes("health.psychological_distress");
        let unprotected = yes("family.no_protective_adult") || self.has(&["abandonment"]);
        let wanted = [
            (&SOCIAL_INQUIRY, true, 1.0),
            (&FAMILY_VISIT, true, 1.0),
            (&PLACEMENT, no_safe_place, 1.0),
            (&FAMILY_MEDIATION, true, 1.0),
            (&CIVIL_REGISTRATION, profile.registered == Some("no"), 1.0),
            (&SCHOOLING_STEP, out_of_school, 1.0),
            (&FORENSIC_EXAM, self.has(VIOLENCE), 1.0),
            (&HOSPITALISATION, yes("safety.serious_injury"), 1.0),
            (
                &PSYCHOLOGICAL_SESSION,
                true,
                if distressed { 4.0 } else { 1.0 },
            ),
            (&PROTECTION_MEASURE, unprotected, 1.0),
        ];
        for (kind, wanted, boost) in wanted {
            if wanted && self.rng.random_bool((kind.chance * boost).min(1.0)) {
                self.entry(kind, evaluated)?;
            }
        }
        // A complaint opens the judicial file; the prosecution, the hearing and the
        // decision follow it.
        if self.has(&JUDICIAL_CONCERNS) && self.rng.random_bool(COMPLAINT.chance) {
            self.entry(&COMPLAINT, evaluated)?;
            for next in [&PROSECUTOR_ORDER, &HEARING, &COURT_DECISION] {
                if self.rng.random_bool(next.chance) {
                    self.entry(next, evaluated)?;
                }
            }
        }
        Ok(())
    }

    /// One entry, if the case reached its stage.
    fn entry(&mut self, kind: &EntryKind, evaluated: Option<&Evaluated>) -> anyhow::Result<()> {
        // Emergencies are seen to first, at the start of the first stage past detection
        // (or of detection, for a case still there).
        let span = match kind.stage {
            Some(stage) => self.span(stage),
            None => self.spans.get(1).or(self.spans.first()).copied(),
        };
        let Some(span) = span else {
            return Ok(());
        };
        let mut at = span.moment(self.rng, 0.0, 0.8);
        // What the evaluation found is acted on after it.
        if let Some(e) = evaluated.filter(|e| e.at >= span.start && e.at <= span.end) {
            at = at.max(e.at);
        }
        let form = self.work.form(kind.form)?;
        let mut values = Map::new();
        values.insert("entry.date".into(), self.local_date(at)?);
        values.insert("entry.kind".into(), kind.kind.into());
        values.insert("entry.summary".into(), kind.summary.into());
        if kind.kind == FORENSIC_EXAM.kind {
            let (low, high) = ITT_DAYS
                .iter()
                .find(|(concern, _)| self.reported.concerns.contains(concern))
                .map_or((0, 15), |(_, days)| *days);
            // Most certificates give few days: the lower of two draws.
            let days = self
                .rng
                .random_range(low..=high)
                .min(self.rng.random_range(low..=high));
            values.insert("entry.itt_days".into(), days.into());
        }
        if kind.form == JUDICIAL {
            let court = match kind.kind {
                "complaint" | "prosecutor_order" => "النيابة العامة لدى المحكمة الابتدائية",
                _ => "قاضي الأحداث بالمحكمة الابتدائية",
            };
            values.insert(
                "entry.authority".into(),
                format!("{court} ب{}", self.place_name).into(),
            );
            // A court file number: number / file type / year.
            let reference = format!(
                "{}/{}/{}",
                self.rng.random_range(1..3000),
                self.rng.random_range(2101..=2110),
                self.calendar.year_of(at)
            );
            values.insert("entry.reference".into(), reference.into());
        }
        let recorded = self.recorded_at(at);
        let card = self.checked(form, values, recorded)?;
        self.write_card(form, &card, recorded, &[])?;
        self.batch.counts.file_entries += 1;
        Ok(())
    }
}

/// The justification an evaluator writes: what the answers show, and the measures the
/// level calls for.
fn justification(form: &Form, assessment: &Assessment) -> String {
    let findings: Vec<&str> = assessment
        .drivers
        .iter()
        .map(|d| {
            FINDINGS
                .iter()
                .find(|(code, _)| *code == d.field)
                .map(|(_, text)| *text)
                .or_else(|| form.field(&d.field).map(|f| f.labels.ar.as_str()))
                .unwrap_or_default()
        })
        .collect();
    let measures = measures(assessment.level);
    if findings.is_empty() {
        format!("لم تُرصد عوامل خطر مباشرة خلال التقييم. {measures}")
    } else {
        format!("خلاصة التقييم: {}. {measures}", findings.join("، "))
    }
}
