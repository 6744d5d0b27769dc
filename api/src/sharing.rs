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

/// What the facts of several consents share, looked up once per transaction: each data-sharing
/// agreement's current signatories (when it is the one in force) and each partnership's
/// qualified members.
#[derive(Default)]
pub struct FactCache {
    dsa: HashMap<String, Option<Vec<OrganisationId>>>,
    qualified: HashMap<String, Vec<OrganisationId>>,
}

impl FactCache {
    /// The schools whose signature of `dsa` counts, or `None` when it is not in force.
    fn dsa_signers(
        &mut self,
        tx: &mut Tx<'_>,
        dsa: &domain::AgreementId,
    ) -> ApiResult<&Option<Vec<OrganisationId>>> {
        let key = dsa.to_string();
        if !self.dsa.contains_key(&key) {
            let signers = match tx.agreement(dsa)? {
                Some(a) => {
                    let joined = joined_times(&tx.members(&a.partnership, false)?);
                    tx.in_force_signers(&a.partnership, AgreementKind::DataSharingAgreement)?
                        .filter(|(id, _, _)| id == dsa)
                        .map(|(_, _, sigs)| {
                            current_signatures(&sigs, &joined)
                                .iter()
                                .map(|s| s.organisation.clone())
                                .collect()
                        })
                }
                None => None,
            };
            self.dsa.insert(key.clone(), signers);
        }
        Ok(&self.dsa[&key])
    }

    fn qualified(&mut self, tx: &mut Tx<'_>, p: &PartnershipId) -> ApiResult<Vec<OrganisationId>> {
        let key = p.to_string();
        if !self.qualified.contains_key(&key) {
            let q = qualified_members(tx, p)?;
            self.qualified.insert(key.clone(), q);
        }
        Ok(self.qualified[&key].clone())
    }
}

/// The facts of each consent, loaded in the caller's transaction.
pub fn facts(tx: &mut Tx<'_>, consents: Vec<Consent>) -> ApiResult<Vec<ConsentFact>> {
    facts_with(tx, consents, &mut FactCache::default())
}

fn facts_with(
    tx: &mut Tx<'_>,
    consents: Vec<Consent>,
    cache: &mut FactCache,
) -> ApiResult<Vec<ConsentFact>> {
    let mut out = Vec::with_capacity(consents.len());
    for c in consents {
        let dsa_ok = match &c.dsa {
            None => true,
            Some(dsa) => cache
                .dsa_signers(tx, dsa)?
                .as_ref()
                .is_some_and(|signers| signers.contains(&c.grantor)),
        };
        let (grantor_qualified, qualified_members) = match &c.grantee {
            Grantee::Partnership(p) => {
                let q = cache.qualified(tx, p)?;
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

/// For each of `grantors`, the facts of its consents that can be active on `today` (revoked and
/// out-of-date ones can never allow a read, so their agreements are not looked up): one query
/// for the consents, and each agreement and partnership they rest on looked up once.
pub fn live_consents_of(
    tx: &mut Tx<'_>,
    grantors: &[&OrganisationId],
    today: chrono::NaiveDate,
) -> ApiResult<HashMap<OrganisationId, Vec<ConsentFact>>> {
    let mut out: HashMap<OrganisationId, Vec<ConsentFact>> = HashMap::new();
    if grantors.is_empty() {
        return Ok(out);
    }
    let given = tx.list_consents(&ConsentFilter {
        grantors: Some(grantors.iter().map(|g| (*g).clone()).collect()),
        ..ConsentFilter::default()
    })?;
    let live: Vec<Consent> = given
        .into_iter()
        .filter(|c| {
            c.revoked.is_none() && c.valid_from <= today && c.valid_until.is_none_or(|u| today <= u)
        })
        .collect();
    let owners: Vec<OrganisationId> = live.iter().map(|c| c.grantor.clone()).collect();
    let mut cache = FactCache::default();
    for (owner, fact) in owners.into_iter().zip(facts_with(tx, live, &mut cache)?) {
        out.entry(owner).or_default().push(fact);
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
