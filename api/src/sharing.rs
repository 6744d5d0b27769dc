//! Loading the facts the sharing rule needs, in the caller's transaction, so that the decision
//! and the data come from one snapshot: a revocation that committed before the read began is
//! always seen.

use std::collections::HashMap;

use domain::agreement::{current_signatures, AgreementKind, Signature};
use domain::consent::{Consent, ConsentFact, Grantee};
use domain::partnership::MemberStatus;
use domain::{OrganisationId, PartnershipId};
use persistence::{ConsentFilter, Tx};

use crate::error::ApiResult;
use crate::routes::agreements::joined_times;

/// A partnership's members that are active and have signed its in-force terms of reference
/// and data-sharing agreement: the only ones that share or see shared data through it.
pub fn qualified_members(tx: &mut Tx<'_>, p: &PartnershipId) -> ApiResult<Vec<OrganisationId>> {
    let tor = tx.in_force_signers(p, AgreementKind::TermsOfReference)?;
    let dsa = tx.in_force_signers(p, AgreementKind::DataSharingAgreement)?;
    let (Some((_, _, tor)), Some((_, _, dsa))) = (tor, dsa) else {
        return Ok(Vec::new());
    };
    let stints = tx.members(p, false)?;
    let joined = joined_times(&stints);
    let signed = |sigs: &[Signature], org: &OrganisationId| {
        current_signatures(sigs, &joined)
            .iter()
            .any(|s| &s.organisation == org)
    };
    Ok(stints
        .into_iter()
        .filter(|m| {
            m.status == MemberStatus::Active
                && signed(&tor, &m.organisation)
                && signed(&dsa, &m.organisation)
        })
        .map(|m| m.organisation)
        .collect())
}

/// The facts of each consent, for the sharing rule.
pub fn facts(tx: &mut Tx<'_>, consents: Vec<Consent>) -> ApiResult<Vec<ConsentFact>> {
    let mut qualified: HashMap<String, Vec<OrganisationId>> = HashMap::new();
    let mut out = Vec::with_capacity(consents.len());
    for c in consents {
        let dsa_ok = match &c.dsa {
            None => true,
            Some(dsa) => match tx.agreement(dsa)? {
                Some(a) => {
                    let joined = joined_times(&tx.members(&a.partnership, false)?);
                    tx.in_force_signers(&a.partnership, AgreementKind::DataSharingAgreement)?
                        .is_some_and(|(id, _, sigs)| {
                            &id == dsa
                                && current_signatures(&sigs, &joined)
                                    .iter()
                                    .any(|s| s.organisation == c.grantor)
                        })
                }
                None => false,
            },
        };
        let (grantor_qualified, qualified_members) = match &c.grantee {
            Grantee::Partnership(p) => {
                let key = p.to_string();
                if !qualified.contains_key(&key) {
                    let q = qualified_members(tx, p)?;
                    qualified.insert(key.clone(), q);
                }
                let q = qualified.get(&key).cloned().unwrap_or_default();
                (q.contains(&c.grantor), q)
            }
            _ => (true, Vec::new()),
        };
        out.push(ConsentFact {
            id: c.id,
            grantee: c.grantee,
            categories: c.categories,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            revoked: c.revoked.is_some(),
            dsa_ok,
            grantor_qualified,
            qualified_members,
        });
    }
    Ok(out)
}

/// Every consent a school has given, with its facts.
pub fn consents_of(tx: &mut Tx<'_>, grantor: &OrganisationId) -> ApiResult<Vec<ConsentFact>> {
    let given = tx.list_consents(&ConsentFilter {
        grantor: Some(grantor.clone()),
        ..ConsentFilter::default()
    })?;
    facts(tx, given)
}

/// One allowed read of another school's named data.
pub struct NamedRead<'a> {
    /// The school whose data it is.
    pub owner: &'a OrganisationId,
    /// Which category.
    pub category: domain::consent::DataCategory,
    /// What was read (the path).
    pub resource: &'a str,
    /// The consent that allowed it.
    pub consent: &'a domain::ConsentId,
    /// The reader's organisation the consent reached (none for a tenant admin).
    pub viewer_organisation: Option<OrganisationId>,
}

/// Records a read in the owner's access log, in the reading transaction (DESIGN §3 rule 8).
pub fn record_read(
    tx: &mut Tx<'_>,
    viewer: &domain::authz::Principal,
    request_id: Option<&str>,
    read: NamedRead<'_>,
) -> ApiResult<()> {
    tx.record_access(&persistence::AccessEvent {
        id: domain::AccessId::new(),
        at: persistence::now().and_utc(),
        viewer_kind: crate::audit::principal_kind(viewer).into(),
        viewer_id: viewer.id_str().into(),
        viewer_organisation: read.viewer_organisation.map(|o| o.to_string()),
        owner: read.owner.to_string(),
        category: read.category.as_str().into(),
        resource: read.resource.into(),
        consent: Some(read.consent.to_string()),
        request_id: request_id.map(str::to_owned),
    })?;
    Ok(())
}
