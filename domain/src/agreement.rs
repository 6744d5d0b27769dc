//! Agreements: MOUs, terms of reference and data-sharing agreements, one lifecycle for all.
//!
//! Each kind has a typed body whose fields are all optional while it is a draft; the gate to
//! signature ([`Body::missing`]) lists every field a version still needs. Versions move
//! `draft → open_for_signature → in_force → superseded | expired | withdrawn`; a declined round
//! ends as `declined` and a new draft follows.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::OrganisationId;
use crate::validation::Validation;

crate::choice!(
    /// The three kinds of agreement.
    AgreementKind {
        /// Memorandum of understanding.
        Mou = "mou",
        /// Terms of reference.
        TermsOfReference = "terms_of_reference",
        /// Data-sharing agreement (ICO data sharing code).
        DataSharingAgreement = "data_sharing_agreement",
    }
);

crate::choice!(
    /// Where a version is in its life.
    VersionStatus {
        /// Being written; editable.
        Draft = "draft",
        /// Frozen; the required parties sign.
        OpenForSignature = "open_for_signature",
        /// A party declined; a new draft follows.
        Declined = "declined",
        /// Every required party signed.
        InForce = "in_force",
        /// A later version came into force.
        Superseded = "superseded",
        /// Its end date passed.
        Expired = "expired",
        /// Withdrawn by the partnership.
        Withdrawn = "withdrawn",
    }
);

impl VersionStatus {
    /// Whether a drafter may withdraw a version in this status.
    pub fn is_withdrawable(self) -> bool {
        matches!(
            self,
            VersionStatus::Draft | VersionStatus::OpenForSignature | VersionStatus::InForce
        )
    }

    /// Whether this version is replaced when a later one comes into force.
    pub fn is_superseded_by_newer(self) -> bool {
        matches!(
            self,
            VersionStatus::OpenForSignature | VersionStatus::Declined | VersionStatus::InForce
        )
    }

    /// The status a reader sees on `today`: an in-force version past its end date has expired.
    pub fn as_of(self, end_date: Option<NaiveDate>, today: NaiveDate) -> VersionStatus {
        match (self, end_date) {
            (VersionStatus::InForce, Some(end)) if end < today => VersionStatus::Expired,
            (s, _) => s,
        }
    }
}

crate::choice!(
    /// What an MOU contribution is.
    ContributionCategory {
        /// Staff time.
        StaffTime = "staff_time",
        /// Money.
        Money = "money",
        /// Facilities.
        Facilities = "facilities",
        /// Governance.
        Governance = "governance",
        /// Expertise.
        Expertise = "expertise",
        /// Anything else.
        Other = "other",
    }
);

crate::choice!(
    /// A party's role under UK GDPR in a data-sharing agreement.
    DataRole {
        /// Decides why and how data is processed.
        Controller = "controller",
        /// Decides jointly with another controller.
        JointController = "joint_controller",
        /// Processes on a controller's behalf.
        Processor = "processor",
    }
);

crate::choice!(
    /// The Article 6 lawful basis for sharing.
    LawfulBasis {
        /// Consent.
        Consent = "consent",
        /// Contract.
        Contract = "contract",
        /// Legal obligation.
        LegalObligation = "legal_obligation",
        /// Vital interests.
        VitalInterests = "vital_interests",
        /// Public task.
        PublicTask = "public_task",
        /// Legitimate interests.
        LegitimateInterests = "legitimate_interests",
    }
);

/// What one party gives (and receives) under an MOU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Contribution {
    /// The party.
    pub party: OrganisationId,
    /// What it gives.
    pub gives: String,
    /// What it receives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receives: Option<String>,
    /// The kind of contribution.
    pub category: ContributionCategory,
    /// How much (e.g. "2 days a term", "£1,500").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<String>,
    /// From when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Until when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
}

/// A memorandum of understanding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "aims": ["Share reading leadership"], "parties": ["org_01jd3k6q9y2m8x4n7v5b0c1t2t", "org_01jd3k6q9y2m8x4n7v5b0c1t2u"],
    "contributions": [{ "party": "org_01jd3k6q9y2m8x4n7v5b0c1t2t", "gives": "Two days a term of our English lead",
                        "receives": "Moderation with a larger cohort", "category": "staff_time", "quantity": "6 days a year" }],
    "start_date": "2026-09-01", "end_date": "2027-08-31", "governance": "Heads meet as a steering group",
    "meeting_cycle": "Half-termly", "success_measures": ["Reading at expected standard up 5 points"],
    "review_date": "2027-06-30", "not_legally_binding": true
})))]
#[serde(deny_unknown_fields)]
pub struct MouBody {
    /// What the partnership sets out to do.
    #[serde(default)]
    pub aims: Vec<String>,
    /// The parties (two or more members).
    #[serde(default)]
    pub parties: Vec<OrganisationId>,
    /// What each party contributes and receives.
    #[serde(default)]
    pub contributions: Vec<Contribution>,
    /// When it starts.
    pub start_date: Option<NaiveDate>,
    /// When it ends.
    pub end_date: Option<NaiveDate>,
    /// How it is governed.
    pub governance: Option<String>,
    /// How often the parties meet.
    pub meeting_cycle: Option<String>,
    /// How success is judged.
    #[serde(default)]
    pub success_measures: Vec<String>,
    /// When it is reviewed.
    pub review_date: Option<NaiveDate>,
    /// That the memorandum is not legally binding (stated in the document).
    #[serde(default = "yes")]
    pub not_legally_binding: bool,
}

fn yes() -> bool {
    true
}

/// Terms of reference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "purpose": "To raise standards in reading across our schools", "membership": "The member schools' heads; others by invitation",
    "chair": "Elected annually from the heads", "deputy_chair": "The previous chair", "quorum_rule": "Half the member heads",
    "voting": "Simple majority; the chair has a casting vote", "spending_limits": "Up to £2,000 by the chair; above, by vote",
    "meeting_frequency": "Twice a term", "data_sharing_protocol": "Under the partnership's data-sharing agreement",
    "review_date": "2027-07-01"
})))]
#[serde(deny_unknown_fields)]
pub struct TorBody {
    /// Purpose.
    pub purpose: Option<String>,
    /// Who the members are and how they join and leave.
    pub membership: Option<String>,
    /// The chair.
    pub chair: Option<String>,
    /// The deputy chair.
    pub deputy_chair: Option<String>,
    /// How many must be present for a decision.
    pub quorum_rule: Option<String>,
    /// How decisions are voted.
    pub voting: Option<String>,
    /// Who may spend how much.
    pub spending_limits: Option<String>,
    /// How often it meets.
    pub meeting_frequency: Option<String>,
    /// How data is shared among members.
    pub data_sharing_protocol: Option<String>,
    /// When it is reviewed.
    pub review_date: Option<NaiveDate>,
}

/// A party to a data-sharing agreement and its role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DataParty {
    /// The organisation.
    pub organisation_id: OrganisationId,
    /// Controller, joint controller or processor.
    pub role: DataRole,
}

/// A data-sharing agreement, following the ICO data sharing code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "purpose": "Compare self-evaluation scores to plan support between schools",
    "parties": [{ "organisation_id": "org_01jd3k6q9y2m8x4n7v5b0c1t2t", "role": "joint_controller" }],
    "data_items": ["school self-evaluation scores", "strengths and areas for development"],
    "lawful_basis": "public_task", "special_category_conditions": "None: no special-category data is shared",
    "childrens_data": "No pupil-level data is shared", "transfer_and_security": "Only through Concord, over TLS",
    "retention_period": "Three academic years", "deletion": "Deleted by Concord at the end of the retention period",
    "subject_rights_contact": "dpo@northshire.example", "breach_contact": "dpo@northshire.example",
    "review_date": "2027-07-01", "end_date": "2029-08-31"
})))]
#[serde(deny_unknown_fields)]
pub struct DsaBody {
    /// Why the data is shared.
    pub purpose: Option<String>,
    /// The parties and their roles.
    #[serde(default)]
    pub parties: Vec<DataParty>,
    /// What data items are shared.
    #[serde(default)]
    pub data_items: Vec<String>,
    /// The Article 6 lawful basis.
    pub lawful_basis: Option<LawfulBasis>,
    /// Article 9 conditions for any special-category data.
    pub special_category_conditions: Option<String>,
    /// How children's data is protected.
    pub childrens_data: Option<String>,
    /// How data is transferred and kept secure.
    pub transfer_and_security: Option<String>,
    /// How long data is kept.
    pub retention_period: Option<String>,
    /// How data is deleted.
    pub deletion: Option<String>,
    /// Who handles subject rights requests.
    pub subject_rights_contact: Option<String>,
    /// Who handles breaches.
    pub breach_contact: Option<String>,
    /// When it is reviewed.
    pub review_date: Option<NaiveDate>,
    /// When it ends.
    pub end_date: Option<NaiveDate>,
}

/// An agreement's body, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// MOU.
    Mou(MouBody),
    /// Terms of reference.
    Tor(TorBody),
    /// Data-sharing agreement.
    Dsa(DsaBody),
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|t| t.trim().is_empty())
}

impl Body {
    /// An empty body of `kind`.
    pub fn empty(kind: AgreementKind) -> Body {
        match kind {
            AgreementKind::Mou => Body::Mou(MouBody {
                not_legally_binding: true,
                ..MouBody::default()
            }),
            AgreementKind::TermsOfReference => Body::Tor(TorBody::default()),
            AgreementKind::DataSharingAgreement => Body::Dsa(DsaBody::default()),
        }
    }

    /// The kind of this body.
    pub fn kind(&self) -> AgreementKind {
        match self {
            Body::Mou(_) => AgreementKind::Mou,
            Body::Tor(_) => AgreementKind::TermsOfReference,
            Body::Dsa(_) => AgreementKind::DataSharingAgreement,
        }
    }

    /// When it is due for review.
    pub fn review_date(&self) -> Option<NaiveDate> {
        match self {
            Body::Mou(b) => b.review_date,
            Body::Tor(b) => b.review_date,
            Body::Dsa(b) => b.review_date,
        }
    }

    /// When it ends.
    pub fn end_date(&self) -> Option<NaiveDate> {
        match self {
            Body::Mou(b) => b.end_date,
            Body::Tor(_) => None,
            Body::Dsa(b) => b.end_date,
        }
    }

    /// The parties named in the body (an MOU's parties; empty for the other kinds, whose
    /// parties are the partnership's active members).
    pub fn named_parties(&self) -> Vec<OrganisationId> {
        match self {
            Body::Mou(b) => b.parties.clone(),
            _ => Vec::new(),
        }
    }

    /// Every field still missing or wrong before the version can be opened for signature,
    /// each with a pointer under `/body`. `members` are the partnership's active members.
    pub fn missing(&self, members: &[OrganisationId]) -> Validation {
        let mut v = Validation::default();
        let required = |v: &mut Validation, field: &str, missing: bool| {
            if missing {
                v.push(
                    format!("/body/{field}"),
                    "required",
                    "needed before the agreement can be signed",
                );
            }
        };
        match self {
            Body::Mou(b) => {
                if b.parties.len() < 2 {
                    v.push(
                        "/body/parties",
                        "required",
                        "an MOU names two or more parties",
                    );
                }
                for (i, p) in b.parties.iter().enumerate() {
                    if !members.contains(p) {
                        v.push(
                            format!("/body/parties/{i}"),
                            "not_a_member",
                            "every party must be an active member",
                        );
                    } else if b.parties[..i].contains(p) {
                        v.push(format!("/body/parties/{i}"), "duplicate", "each party once");
                    }
                }
                required(&mut v, "contributions", b.contributions.is_empty());
                for (i, c) in b.contributions.iter().enumerate() {
                    if !b.parties.contains(&c.party) {
                        v.push(
                            format!("/body/contributions/{i}/party"),
                            "not_a_party",
                            "the contributor must be a party",
                        );
                    }
                    if c.gives.trim().is_empty() {
                        v.push(
                            format!("/body/contributions/{i}/gives"),
                            "required",
                            "say what is given",
                        );
                    }
                }
                required(&mut v, "start_date", b.start_date.is_none());
                required(&mut v, "end_date", b.end_date.is_none());
                if let (Some(s), Some(e)) = (b.start_date, b.end_date) {
                    if e <= s {
                        v.push(
                            "/body/end_date",
                            "before_start",
                            "the end date must be after the start date",
                        );
                    }
                }
                required(&mut v, "review_date", b.review_date.is_none());
            }
            Body::Tor(b) => {
                required(&mut v, "purpose", blank(&b.purpose));
                required(&mut v, "membership", blank(&b.membership));
                required(&mut v, "quorum_rule", blank(&b.quorum_rule));
                required(&mut v, "meeting_frequency", blank(&b.meeting_frequency));
                required(&mut v, "review_date", b.review_date.is_none());
            }
            Body::Dsa(b) => {
                required(&mut v, "purpose", blank(&b.purpose));
                required(&mut v, "lawful_basis", b.lawful_basis.is_none());
                required(
                    &mut v,
                    "data_items",
                    b.data_items.iter().all(|d| d.trim().is_empty()),
                );
                required(&mut v, "retention_period", blank(&b.retention_period));
                required(&mut v, "parties", b.parties.is_empty());
                for (i, p) in b.parties.iter().enumerate() {
                    if !members.contains(&p.organisation_id) {
                        v.push(
                            format!("/body/parties/{i}/organisation_id"),
                            "not_a_member",
                            "every party must be an active member",
                        );
                    }
                }
                required(&mut v, "review_date", b.review_date.is_none());
            }
        }
        v
    }
}

/// An agreement: one kind, in one partnership, with numbered versions.
#[derive(Debug, Clone)]
pub struct Agreement {
    /// Its id.
    pub id: crate::AgreementId,
    /// The partnership.
    pub partnership: crate::PartnershipId,
    /// Its kind.
    pub kind: AgreementKind,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// One version of an agreement.
#[derive(Debug, Clone)]
pub struct Version {
    /// The agreement.
    pub agreement: crate::AgreementId,
    /// 1, 2, 3…
    pub number: i32,
    /// Where it is in its life (as stored; see [`VersionStatus::as_of`]).
    pub status: VersionStatus,
    /// Title.
    pub title: String,
    /// The typed body.
    pub body: Body,
    /// The date it came into force.
    pub effective_from: Option<NaiveDate>,
    /// Increases at every change; the ETag.
    pub version: i32,
    /// Who created it.
    pub created_by: String,
    /// When created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

crate::choice!(
    /// A party's answer to a version.
    Decision {
        /// Signed.
        Signed = "signed",
        /// Declined.
        Declined = "declined",
    }
);

crate::choice!(
    /// In what capacity someone signed for their organisation.
    Capacity {
        /// As its head.
        Head = "head",
        /// As a governor, for the governing board (MOUs only).
        Governor = "governor",
    }
);

/// One party's answer to one version.
#[derive(Debug, Clone)]
pub struct Signature {
    /// The party.
    pub organisation: OrganisationId,
    /// Signed or declined.
    pub decision: Decision,
    /// Who.
    pub user: crate::UserId,
    /// In what capacity.
    pub capacity: Capacity,
    /// Why it declined.
    pub reason: Option<String>,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The parties that must sign a version: an MOU's named parties, otherwise every active member.
pub fn required_parties(body: &Body, active_members: &[OrganisationId]) -> Vec<OrganisationId> {
    match body {
        Body::Mou(b) => b.parties.clone(),
        _ => active_members.to_vec(),
    }
}

/// The signatures that stand for each organisation's current membership: a school that left
/// and joined again must sign again, so a signature made before its current stint began does not
/// count. `joined` gives each active member's current joining time.
pub fn current_signatures(
    signatures: &[Signature],
    joined: &[(OrganisationId, chrono::DateTime<chrono::Utc>)],
) -> Vec<Signature> {
    signatures
        .iter()
        .filter(|s| {
            joined
                .iter()
                .find(|(o, _)| o == &s.organisation)
                .is_none_or(|(_, at)| s.at >= *at)
        })
        .cloned()
        .collect()
}

/// Required parties that have not signed.
pub fn unsigned(required: &[OrganisationId], signatures: &[Signature]) -> Vec<OrganisationId> {
    required
        .iter()
        .filter(|p| {
            !signatures
                .iter()
                .any(|s| &s.organisation == *p && s.decision == Decision::Signed)
        })
        .cloned()
        .collect()
}

/// Renders a version as Markdown (and, escaped, as HTML).
pub mod render {
    use super::*;

    /// What the renderer needs besides the body.
    pub struct Header<'a> {
        /// Title.
        pub title: &'a str,
        /// Partnership name.
        pub partnership: &'a str,
        /// Version number.
        pub number: i32,
        /// Status.
        pub status: VersionStatus,
        /// When it came into force.
        pub effective_from: Option<NaiveDate>,
        /// Organisation names by id.
        pub names: &'a [(String, String)],
        /// Who signed: (organisation id, signer's name, capacity, date).
        pub signatures: &'a [(String, String, String, String)],
    }

    fn name<'a>(h: &'a Header<'_>, id: &'a str) -> &'a str {
        h.names
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, n)| n.as_str())
            .unwrap_or(id)
    }

    fn line(out: &mut String, label: &str, value: Option<&str>) {
        if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
            out.push_str(&format!("**{label}:** {v}\n\n"));
        }
    }

    fn date(d: Option<NaiveDate>) -> Option<String> {
        d.map(|d| d.format("%-d %B %Y").to_string())
    }

    fn list(out: &mut String, heading: &str, items: &[String]) {
        if !items.is_empty() {
            out.push_str(&format!("## {heading}\n\n"));
            for i in items {
                out.push_str(&format!("- {i}\n"));
            }
            out.push('\n');
        }
    }

    /// The version as Markdown.
    pub fn markdown(h: &Header<'_>, body: &Body) -> String {
        let kind = match body.kind() {
            AgreementKind::Mou => "Memorandum of understanding",
            AgreementKind::TermsOfReference => "Terms of reference",
            AgreementKind::DataSharingAgreement => "Data-sharing agreement",
        };
        let mut out = format!(
            "# {}\n\n*{kind} — {} — version {} ({})*\n\n",
            h.title, h.partnership, h.number, h.status
        );
        line(&mut out, "In force from", date(h.effective_from).as_deref());
        match body {
            Body::Mou(b) => {
                let parties: Vec<String> = b
                    .parties
                    .iter()
                    .map(|p| name(h, p.as_str()).to_owned())
                    .collect();
                list(&mut out, "Parties", &parties);
                list(&mut out, "Aims", &b.aims);
                if !b.contributions.is_empty() {
                    out.push_str("## Contributions\n\n| Party | Gives | Receives | Category | Quantity | From | Until |\n|---|---|---|---|---|---|---|\n");
                    for c in &b.contributions {
                        out.push_str(&format!(
                            "| {} | {} | {} | {} | {} | {} | {} |\n",
                            name(h, c.party.as_str()),
                            c.gives,
                            c.receives.as_deref().unwrap_or(""),
                            c.category,
                            c.quantity.as_deref().unwrap_or(""),
                            date(c.from).unwrap_or_default(),
                            date(c.until).unwrap_or_default()
                        ));
                    }
                    out.push('\n');
                }
                out.push_str("## Terms\n\n");
                line(&mut out, "Starts", date(b.start_date).as_deref());
                line(&mut out, "Ends", date(b.end_date).as_deref());
                line(&mut out, "Governance", b.governance.as_deref());
                line(&mut out, "Meeting cycle", b.meeting_cycle.as_deref());
                line(&mut out, "Review date", date(b.review_date).as_deref());
                list(&mut out, "Success measures", &b.success_measures);
                if b.not_legally_binding {
                    out.push_str("This memorandum records the parties' intentions. It is not legally binding.\n\n");
                }
            }
            Body::Tor(b) => {
                line(&mut out, "Purpose", b.purpose.as_deref());
                line(&mut out, "Membership", b.membership.as_deref());
                line(&mut out, "Chair", b.chair.as_deref());
                line(&mut out, "Deputy chair", b.deputy_chair.as_deref());
                line(&mut out, "Quorum", b.quorum_rule.as_deref());
                line(&mut out, "Voting", b.voting.as_deref());
                line(&mut out, "Spending limits", b.spending_limits.as_deref());
                line(
                    &mut out,
                    "Meeting frequency",
                    b.meeting_frequency.as_deref(),
                );
                line(
                    &mut out,
                    "Data-sharing protocol",
                    b.data_sharing_protocol.as_deref(),
                );
                line(&mut out, "Review date", date(b.review_date).as_deref());
            }
            Body::Dsa(b) => {
                line(&mut out, "Purpose", b.purpose.as_deref());
                let parties: Vec<String> = b
                    .parties
                    .iter()
                    .map(|p| format!("{} ({})", name(h, p.organisation_id.as_str()), p.role))
                    .collect();
                list(&mut out, "Parties and roles", &parties);
                list(&mut out, "Data shared", &b.data_items);
                line(&mut out, "Lawful basis", b.lawful_basis.map(|l| l.as_str()));
                line(
                    &mut out,
                    "Special-category conditions",
                    b.special_category_conditions.as_deref(),
                );
                line(&mut out, "Children's data", b.childrens_data.as_deref());
                line(
                    &mut out,
                    "Transfer and security",
                    b.transfer_and_security.as_deref(),
                );
                line(&mut out, "Retention", b.retention_period.as_deref());
                line(&mut out, "Deletion", b.deletion.as_deref());
                line(
                    &mut out,
                    "Subject rights contact",
                    b.subject_rights_contact.as_deref(),
                );
                line(&mut out, "Breach contact", b.breach_contact.as_deref());
                line(&mut out, "Review date", date(b.review_date).as_deref());
                line(&mut out, "Ends", date(b.end_date).as_deref());
            }
        }
        if !h.signatures.is_empty() {
            out.push_str("## Signatures\n\n");
            for (org, who, capacity, at) in h.signatures {
                out.push_str(&format!(
                    "- {} — signed by {who} ({capacity}) on {at}\n",
                    name(h, org)
                ));
            }
        }
        out
    }

    fn escape(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;")
    }

    /// The version as a standalone HTML page: the Markdown's structure, every value escaped.
    pub fn html(h: &Header<'_>, body: &Body) -> String {
        let md = markdown(h, body);
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n",
            escape(h.title)
        );
        let mut in_list = false;
        let mut in_table = false;
        for raw in md.lines() {
            let l = raw.trim_end();
            if in_list && !l.starts_with("- ") {
                out.push_str("</ul>\n");
                in_list = false;
            }
            if in_table && !l.starts_with('|') {
                out.push_str("</table>\n");
                in_table = false;
            }
            if let Some(t) = l.strip_prefix("# ") {
                out.push_str(&format!("<h1>{}</h1>\n", escape(t)));
            } else if let Some(t) = l.strip_prefix("## ") {
                out.push_str(&format!("<h2>{}</h2>\n", escape(t)));
            } else if let Some(t) = l.strip_prefix("- ") {
                if !in_list {
                    out.push_str("<ul>\n");
                    in_list = true;
                }
                out.push_str(&format!("<li>{}</li>\n", escape(t)));
            } else if l.starts_with("|---") {
                continue;
            } else if l.starts_with('|') {
                if !in_table {
                    out.push_str("<table>\n");
                    in_table = true;
                }
                let cells: Vec<String> = l
                    .trim_matches('|')
                    .split(" | ")
                    .map(|c| format!("<td>{}</td>", escape(c.trim())))
                    .collect();
                out.push_str(&format!("<tr>{}</tr>\n", cells.join("")));
            } else if let Some(rest) = l.strip_prefix("**") {
                let (label, value) = rest.split_once(":** ").unwrap_or((rest, ""));
                out.push_str(&format!(
                    "<p><strong>{}:</strong> {}</p>\n",
                    escape(label),
                    escape(value)
                ));
            } else if l.starts_with('*') && l.ends_with('*') && l.len() > 1 {
                out.push_str(&format!(
                    "<p><em>{}</em></p>\n",
                    escape(l.trim_matches('*'))
                ));
            } else if !l.is_empty() {
                out.push_str(&format!("<p>{}</p>\n", escape(l)));
            }
        }
        if in_list {
            out.push_str("</ul>\n");
        }
        if in_table {
            out.push_str("</table>\n");
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(n: u8) -> OrganisationId {
        OrganisationId::parse(&format!("org_01hx00000000000000000000{n:02}")).expect("id")
    }

    #[test]
    fn an_empty_dsa_lists_every_missing_field() {
        let v = Body::empty(AgreementKind::DataSharingAgreement).missing(&[org(1), org(2)]);
        let pointers: Vec<_> = v.0.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/body/purpose",
                "/body/lawful_basis",
                "/body/data_items",
                "/body/retention_period",
                "/body/parties",
                "/body/review_date"
            ]
        );
    }

    #[test]
    fn an_mou_needs_member_parties_contributions_and_ordered_dates() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let mut b = MouBody {
            parties: vec![org(1), org(9)],
            contributions: vec![Contribution {
                party: org(3),
                gives: "".into(),
                receives: None,
                category: ContributionCategory::StaffTime,
                quantity: None,
                from: None,
                until: None,
            }],
            start_date: d("2027-01-01"),
            end_date: d("2026-01-01"),
            review_date: d("2026-07-01"),
            not_legally_binding: true,
            ..MouBody::default()
        };
        let pointers = |b: &MouBody| -> Vec<String> {
            Body::Mou(b.clone())
                .missing(&[org(1), org(2), org(3)])
                .0
                .into_iter()
                .map(|e| e.pointer)
                .collect()
        };
        assert_eq!(
            pointers(&b),
            [
                "/body/parties/1",
                "/body/contributions/0/party",
                "/body/contributions/0/gives",
                "/body/end_date"
            ]
        );
        b.parties = vec![org(1), org(3)];
        b.contributions[0].gives = "Two days of a maths lead a term".into();
        b.end_date = d("2028-01-01");
        assert!(pointers(&b).is_empty());
    }

    #[test]
    fn in_force_versions_expire_after_their_end_date() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        let past = NaiveDate::from_ymd_opt(2026, 11, 22);
        assert_eq!(
            VersionStatus::InForce.as_of(past, today),
            VersionStatus::Expired
        );
        assert_eq!(
            VersionStatus::InForce.as_of(Some(today), today),
            VersionStatus::InForce
        );
        assert_eq!(
            VersionStatus::Draft.as_of(past, today),
            VersionStatus::Draft
        );
    }

    #[test]
    fn html_rendering_escapes_every_value() {
        let h = render::Header {
            title: "<script>alert(1)</script>",
            partnership: "P & Q",
            number: 1,
            status: VersionStatus::Draft,
            effective_from: None,
            names: &[],
            signatures: &[],
        };
        let body = Body::Tor(TorBody {
            purpose: Some("<b>bold</b>".into()),
            ..TorBody::default()
        });
        let html = render::html(&h, &body);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
        assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;"));
        assert!(html.contains("P &amp; Q"));
    }
}
