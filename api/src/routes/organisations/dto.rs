//! Organisation request and response bodies.

use chrono::{DateTime, Utc};
use domain::organisation::{
    NewOrganisation, Organisation, OrganisationChanges, OrganisationKind, PartnerKind, Phase,
    SchoolDetails, SchoolType,
};
use domain::values::{LaCode, Name, Urn};
use domain::Validation;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A school or a non-school partner.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KindDto {
    /// A school, with URN, phase, type and LA code.
    School,
    /// Another partner (university, business, …), with its partner kind.
    Partner,
}

/// Register a school or partner organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Hill Primary School", "kind": "school", "urn": "137220",
    "phase": "primary", "school_type": "academy", "la_code": "202"
}))]
pub struct CreateOrganisationRequest {
    /// Display name, 1–200 characters.
    pub name: String,
    /// `school` or `partner`.
    pub kind: KindDto,
    /// Schools: the DfE URN, six digits, unique in the tenant.
    pub urn: Option<String>,
    /// Schools: `nursery`, `primary`, `middle`, `secondary`, `all_through`, `sixteen_plus`, `not_applicable`.
    pub phase: Option<String>,
    /// Schools: `state`, `academy`, `independent`, `special`, `free`.
    pub school_type: Option<String>,
    /// Schools: the three-digit local authority code.
    pub la_code: Option<String>,
    /// Partners: `university`, `business`, `local_authority`, `charity`, `college`, `other`.
    pub partner_kind: Option<String>,
}

fn required<'a>(v: &mut Validation, pointer: &str, value: &'a Option<String>) -> Option<&'a str> {
    if value.is_none() {
        v.push(
            pointer,
            "required",
            "required for this kind of organisation",
        );
    }
    value.as_deref()
}

fn absent(v: &mut Validation, pointer: &str, value: &Option<String>) {
    if value.is_some() {
        v.push(
            pointer,
            "not_applicable",
            "not applicable to this kind of organisation",
        );
    }
}

impl CreateOrganisationRequest {
    /// Validates every field, reporting all failures at once.
    pub fn try_into_domain(self) -> Result<NewOrganisation, Validation> {
        let mut v = Validation::default();
        let name = v.check("/name", Name::parse(&self.name));
        let kind = match self.kind {
            KindDto::School => {
                absent(&mut v, "/partner_kind", &self.partner_kind);
                let urn = required(&mut v, "/urn", &self.urn)
                    .and_then(|u| v.check("/urn", Urn::parse(u)));
                let phase = required(&mut v, "/phase", &self.phase)
                    .and_then(|p| v.check("/phase", Phase::parse(p)));
                let school_type = required(&mut v, "/school_type", &self.school_type)
                    .and_then(|t| v.check("/school_type", SchoolType::parse(t)));
                let la_code = required(&mut v, "/la_code", &self.la_code)
                    .and_then(|l| v.check("/la_code", LaCode::parse(l)));
                match (urn, phase, school_type, la_code) {
                    (Some(urn), Some(phase), Some(school_type), Some(la_code)) => {
                        Some(OrganisationKind::School(SchoolDetails {
                            urn,
                            phase,
                            school_type,
                            la_code,
                        }))
                    }
                    _ => None,
                }
            }
            KindDto::Partner => {
                for (p, f) in [
                    ("/urn", &self.urn),
                    ("/phase", &self.phase),
                    ("/school_type", &self.school_type),
                    ("/la_code", &self.la_code),
                ] {
                    absent(&mut v, p, f);
                }
                required(&mut v, "/partner_kind", &self.partner_kind)
                    .and_then(|k| v.check("/partner_kind", PartnerKind::parse(k)))
                    .map(OrganisationKind::Partner)
            }
        };
        v.finish(|| {
            Some(NewOrganisation {
                name: name?,
                kind: kind?,
            })
        })
    }
}

/// Change an organisation's details. The URN and kind cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "name": "Hill Primary Academy", "school_type": "academy" }))]
pub struct UpdateOrganisationRequest {
    /// New display name.
    pub name: Option<String>,
    /// Schools: new phase.
    pub phase: Option<String>,
    /// Schools: new type.
    pub school_type: Option<String>,
    /// Schools: new LA code.
    pub la_code: Option<String>,
    /// Partners: new partner kind.
    pub partner_kind: Option<String>,
    /// Not changeable: present only to explain the refusal.
    #[schema(ignore)]
    pub urn: Option<serde_json::Value>,
    /// Not changeable: present only to explain the refusal.
    #[schema(ignore)]
    pub kind: Option<serde_json::Value>,
}

impl UpdateOrganisationRequest {
    /// Validates every present field.
    pub fn try_into_domain(self) -> Result<OrganisationChanges, Validation> {
        let mut v = Validation::default();
        if self.urn.is_some() {
            v.push(
                "/urn",
                "immutable",
                "a school's URN cannot change; register a new organisation",
            );
        }
        if self.kind.is_some() {
            v.push("/kind", "immutable", "an organisation's kind cannot change");
        }
        let name = self
            .name
            .as_deref()
            .map(|n| v.check("/name", Name::parse(n)));
        let phase = self
            .phase
            .as_deref()
            .map(|p| v.check("/phase", Phase::parse(p)));
        let school_type = self
            .school_type
            .as_deref()
            .map(|t| v.check("/school_type", SchoolType::parse(t)));
        let la_code = self
            .la_code
            .as_deref()
            .map(|l| v.check("/la_code", LaCode::parse(l)));
        let partner_kind = self
            .partner_kind
            .as_deref()
            .map(|k| v.check("/partner_kind", PartnerKind::parse(k)));
        v.finish(|| {
            Some(OrganisationChanges {
                name: name.flatten(),
                phase: phase.flatten(),
                school_type: school_type.flatten(),
                la_code: la_code.flatten(),
                partner_kind: partner_kind.flatten(),
            })
        })
    }
}

/// An organisation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "org_01jd3k6q9y2m8x4n7v5b0c1t2r", "name": "Hill Primary School", "kind": "school",
    "urn": "137220", "phase": "primary", "school_type": "academy", "la_code": "202",
    "status": "active", "version": 1,
    "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:00:00Z"
}))]
pub struct OrganisationDto {
    /// Opaque id, `org_…`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `school` or `partner`.
    pub kind: KindDto,
    /// Schools: URN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urn: Option<String>,
    /// Schools: phase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Schools: type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub school_type: Option<String>,
    /// Schools: LA code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub la_code: Option<String>,
    /// Partners: partner kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_kind: Option<String>,
    /// `active` or `archived`.
    pub status: String,
    /// Increases at every change; the `ETag` is `"v<version>"`.
    pub version: i32,
    /// When registered.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Organisation> for OrganisationDto {
    fn from(o: &Organisation) -> Self {
        let mut dto = OrganisationDto {
            id: o.id.to_string(),
            name: o.name.to_string(),
            kind: KindDto::Partner,
            urn: None,
            phase: None,
            school_type: None,
            la_code: None,
            partner_kind: None,
            status: o.status.as_str().into(),
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
        };
        match &o.kind {
            OrganisationKind::School(s) => {
                dto.kind = KindDto::School;
                dto.urn = Some(s.urn.to_string());
                dto.phase = Some(s.phase.as_str().into());
                dto.school_type = Some(s.school_type.as_str().into());
                dto.la_code = Some(s.la_code.to_string());
            }
            OrganisationKind::Partner(k) => dto.partner_kind = Some(k.as_str().into()),
        }
        dto
    }
}
