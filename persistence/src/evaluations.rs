//! Frameworks, cycles, extensions and submissions.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::evaluation::{
    Cycle, CycleStatus, FrameworkVersion, Narrative, Score, Submission, SubmissionStatus,
};
use domain::framework::{Definition, FrameworkStatus};
use domain::{CycleId, OrganisationId, PartnershipId};

use crate::connection::DbConnection;
use crate::error::{parse, StoreResult};
use crate::schema::{
    cycle_extensions, cycles, framework_versions, frameworks, submission_scores, submissions,
};
use crate::store::{now, Tx};

type VersionRow = (
    String,
    String,
    i32,
    String,
    String,
    String,
    String,
    i32,
    NaiveDateTime,
);

fn version(row: VersionRow) -> StoreResult<FrameworkVersion> {
    let (_, framework_id, number, status, name, definition, carried, version, _) = row;
    Ok(FrameworkVersion {
        framework_id,
        number,
        status: parse("framework_versions.status", FrameworkStatus::parse(&status))?,
        name,
        definition: parse(
            "framework_versions.definition",
            serde_json::from_str::<Definition>(&definition),
        )?,
        carried_over: parse(
            "framework_versions.carried_over",
            serde_json::from_str(&carried),
        )?,
        version,
    })
}

type CycleRow = (
    String,
    String,
    String,
    String,
    String,
    i32,
    NaiveDateTime,
    NaiveDateTime,
    String,
    i32,
    NaiveDateTime,
);

fn cycle(row: CycleRow) -> StoreResult<Cycle> {
    let (
        _,
        id,
        partnership,
        title,
        framework_id,
        framework_version,
        opens,
        closes,
        status,
        version,
        created,
    ) = row;
    Ok(Cycle {
        id: parse("cycles.id", CycleId::parse(&id))?,
        partnership: parse("cycles.partnership_id", PartnershipId::parse(&partnership))?,
        title,
        framework_id,
        framework_version,
        opens_at: opens.and_utc(),
        closes_at: closes.and_utc(),
        status: parse("cycles.status", CycleStatus::parse(&status))?,
        version,
        created_at: created.and_utc(),
    })
}

type ScoreRow = (
    String,
    String,
    String,
    String,
    Option<i32>,
    Option<i32>,
    bool,
    Option<String>,
);

impl Tx<'_> {
    /// Stores a new tenant framework with its first version.
    pub fn insert_framework(
        &mut self,
        id: &str,
        created_by: &str,
        first: &FrameworkVersion,
    ) -> StoreResult<()> {
        diesel::insert_into(frameworks::table)
            .values((
                frameworks::tenant_id.eq(self.tenant.as_str()),
                frameworks::id.eq(id),
                frameworks::created_by.eq(created_by),
                frameworks::created_at.eq(now()),
            ))
            .execute(self.conn)?;
        self.insert_framework_version(first)
    }

    /// Stores a new framework version.
    pub fn insert_framework_version(&mut self, v: &FrameworkVersion) -> StoreResult<()> {
        diesel::insert_into(framework_versions::table)
            .values((
                framework_versions::tenant_id.eq(self.tenant.as_str()),
                framework_versions::framework_id.eq(&v.framework_id),
                framework_versions::number.eq(v.number),
                framework_versions::status.eq(v.status.as_str()),
                framework_versions::name.eq(&v.name),
                framework_versions::definition
                    .eq(serde_json::to_string(&v.definition).unwrap_or_default()),
                framework_versions::carried_over
                    .eq(serde_json::to_string(&v.carried_over).unwrap_or_default()),
                framework_versions::version.eq(v.version),
                framework_versions::updated_at.eq(now()),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// Every version of every tenant framework, by framework then number.
    pub fn framework_versions(
        &mut self,
        framework: Option<&str>,
    ) -> StoreResult<Vec<FrameworkVersion>> {
        let mut q = framework_versions::table
            .filter(framework_versions::tenant_id.eq(self.tenant.as_str()))
            .order((
                framework_versions::framework_id.asc(),
                framework_versions::number.asc(),
            ))
            .into_boxed();
        if let Some(f) = framework {
            q = q.filter(framework_versions::framework_id.eq(f.to_owned()));
        }
        q.load::<VersionRow>(self.conn)?
            .into_iter()
            .map(version)
            .collect()
    }

    /// Saves a framework version if still at `expected`.
    pub fn update_framework_version(
        &mut self,
        v: &mut FrameworkVersion,
        expected: i32,
    ) -> StoreResult<bool> {
        v.version = expected + 1;
        let n = diesel::update(
            framework_versions::table
                .find((self.tenant.as_str(), v.framework_id.as_str(), v.number))
                .filter(framework_versions::version.eq(expected)),
        )
        .set((
            framework_versions::status.eq(v.status.as_str()),
            framework_versions::name.eq(&v.name),
            framework_versions::definition
                .eq(serde_json::to_string(&v.definition).unwrap_or_default()),
            framework_versions::carried_over
                .eq(serde_json::to_string(&v.carried_over).unwrap_or_default()),
            framework_versions::version.eq(v.version),
            framework_versions::updated_at.eq(now()),
        ))
        .execute(self.conn)?;
        Ok(n == 1)
    }

    /// Stores a new cycle.
    pub fn insert_cycle(&mut self, c: &Cycle) -> StoreResult<()> {
        diesel::insert_into(cycles::table)
            .values((
                cycles::tenant_id.eq(self.tenant.as_str()),
                cycles::id.eq(c.id.as_str()),
                cycles::partnership_id.eq(c.partnership.as_str()),
                cycles::title.eq(&c.title),
                cycles::framework_id.eq(&c.framework_id),
                cycles::framework_version.eq(c.framework_version),
                cycles::opens_at.eq(c.opens_at.naive_utc()),
                cycles::closes_at.eq(c.closes_at.naive_utc()),
                cycles::status.eq(c.status.as_str()),
                cycles::version.eq(c.version),
                cycles::created_at.eq(c.created_at.naive_utc()),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// One cycle of this tenant.
    pub fn cycle(&mut self, id: &CycleId) -> StoreResult<Option<Cycle>> {
        let row: Option<CycleRow> = cycles::table
            .find((self.tenant.as_str(), id.as_str()))
            .first(self.conn)
            .optional()?;
        row.map(cycle).transpose()
    }

    /// A partnership's cycles, oldest first.
    pub fn list_cycles(&mut self, p: &PartnershipId) -> StoreResult<Vec<Cycle>> {
        cycles::table
            .filter(cycles::tenant_id.eq(self.tenant.as_str()))
            .filter(cycles::partnership_id.eq(p.as_str()))
            .order(cycles::id.asc())
            .load::<CycleRow>(self.conn)?
            .into_iter()
            .map(cycle)
            .collect()
    }

    /// Sets a cycle's status, bumping its version; locks the row until the transaction ends.
    pub fn set_cycle_status(&mut self, c: &mut Cycle, status: CycleStatus) -> StoreResult<()> {
        c.status = status;
        c.version += 1;
        diesel::update(cycles::table.find((self.tenant.as_str(), c.id.as_str())))
            .set((
                cycles::status.eq(status.as_str()),
                cycles::version.eq(c.version),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// Grants (or moves) a school's extension.
    pub fn set_extension(
        &mut self,
        c: &CycleId,
        org: &OrganisationId,
        closes_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let n = diesel::update(cycle_extensions::table.find((
            self.tenant.as_str(),
            c.as_str(),
            org.as_str(),
        )))
        .set(cycle_extensions::closes_at.eq(closes_at.naive_utc()))
        .execute(self.conn)?;
        if n == 0 {
            diesel::insert_into(cycle_extensions::table)
                .values((
                    cycle_extensions::tenant_id.eq(self.tenant.as_str()),
                    cycle_extensions::cycle_id.eq(c.as_str()),
                    cycle_extensions::organisation_id.eq(org.as_str()),
                    cycle_extensions::closes_at.eq(closes_at.naive_utc()),
                ))
                .execute(self.conn)?;
        }
        Ok(())
    }

    /// A school's extension of a cycle, if any.
    pub fn extension(
        &mut self,
        c: &CycleId,
        org: &OrganisationId,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let at: Option<NaiveDateTime> = cycle_extensions::table
            .find((self.tenant.as_str(), c.as_str(), org.as_str()))
            .select(cycle_extensions::closes_at)
            .first(self.conn)
            .optional()?;
        Ok(at.map(|t| t.and_utc()))
    }

    /// One school's submission to a cycle with its scores, if it has saved one.
    pub fn submission(
        &mut self,
        c: &CycleId,
        org: &OrganisationId,
    ) -> StoreResult<Option<Submission>> {
        Ok(self.submissions_where(c, Some(org))?.into_iter().next())
    }

    /// Every submission of a cycle with its scores.
    pub fn submissions(&mut self, c: &CycleId) -> StoreResult<Vec<Submission>> {
        self.submissions_where(c, None)
    }

    fn submissions_where(
        &mut self,
        c: &CycleId,
        org: Option<&OrganisationId>,
    ) -> StoreResult<Vec<Submission>> {
        type Row = (
            String,
            String,
            String,
            String,
            String,
            i32,
            Option<NaiveDateTime>,
            Option<String>,
            NaiveDateTime,
        );
        let mut rows = submissions::table
            .filter(submissions::tenant_id.eq(self.tenant.as_str()))
            .filter(submissions::cycle_id.eq(c.as_str()))
            .order(submissions::organisation_id.asc())
            .into_boxed();
        let mut scores = submission_scores::table
            .filter(submission_scores::tenant_id.eq(self.tenant.as_str()))
            .filter(submission_scores::cycle_id.eq(c.as_str()))
            .order((
                submission_scores::organisation_id.asc(),
                submission_scores::criterion.asc(),
            ))
            .into_boxed();
        if let Some(org) = org {
            rows = rows.filter(submissions::organisation_id.eq(org.as_str()));
            scores = scores.filter(submission_scores::organisation_id.eq(org.as_str()));
        }
        let rows: Vec<Row> = rows.load(self.conn)?;
        let scores: Vec<ScoreRow> = scores.load(self.conn)?;
        rows.into_iter()
            .map(
                |(_, cycle_id, org, status, narratives, version, submitted_at, _, _)| {
                    let mine = scores
                        .iter()
                        .filter(|s| s.2 == org)
                        .map(
                            |(_, _, _, criterion, school, partnership, nye, evidence)| Score {
                                criterion: criterion.clone(),
                                school: *school,
                                partnership: *partnership,
                                not_yet_evidenced: *nye,
                                evidence: evidence.clone(),
                            },
                        )
                        .collect();
                    Ok(Submission {
                        cycle: parse("submissions.cycle_id", CycleId::parse(&cycle_id))?,
                        organisation: parse(
                            "submissions.organisation_id",
                            OrganisationId::parse(&org),
                        )?,
                        status: parse("submissions.status", SubmissionStatus::parse(&status))?,
                        scores: mine,
                        narratives: parse(
                            "submissions.narratives",
                            serde_json::from_str::<Vec<Narrative>>(&narratives),
                        )?,
                        submitted_at: submitted_at.map(|t| t.and_utc()),
                        version,
                    })
                },
            )
            .collect()
    }

    /// Saves a school's whole submission if still at `expected` (0: not yet saved); `false` if
    /// another save got there first.
    pub fn save_submission(&mut self, s: &mut Submission, expected: i32) -> StoreResult<bool> {
        let tenant = self.tenant.as_str().to_owned();
        let (cycle, org) = (s.cycle.to_string(), s.organisation.to_string());
        let narratives = serde_json::to_string(&s.narratives).unwrap_or_else(|_| "[]".into());
        let submitted_at = s.submitted_at.map(|t| t.naive_utc());
        if expected == 0 {
            let inserted = diesel::insert_into(submissions::table)
                .values((
                    submissions::tenant_id.eq(&tenant),
                    submissions::cycle_id.eq(&cycle),
                    submissions::organisation_id.eq(&org),
                    submissions::status.eq(s.status.as_str()),
                    submissions::narratives.eq(&narratives),
                    submissions::version.eq(1),
                    submissions::submitted_at.eq(submitted_at),
                    submissions::updated_at.eq(now()),
                ))
                .execute(self.conn);
            match inserted {
                Ok(_) => {}
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                )) => return Ok(false),
                Err(e) => return Err(e.into()),
            }
        } else {
            let n = diesel::update(
                submissions::table
                    .find((&tenant, &cycle, &org))
                    .filter(submissions::version.eq(expected)),
            )
            .set((
                submissions::status.eq(s.status.as_str()),
                submissions::narratives.eq(&narratives),
                submissions::version.eq(expected + 1),
                submissions::submitted_at.eq(submitted_at),
                submissions::updated_at.eq(now()),
            ))
            .execute(self.conn)?;
            if n != 1 {
                return Ok(false);
            }
        }
        s.version = expected + 1;
        diesel::delete(
            submission_scores::table
                .filter(submission_scores::tenant_id.eq(&tenant))
                .filter(submission_scores::cycle_id.eq(&cycle))
                .filter(submission_scores::organisation_id.eq(&org)),
        )
        .execute(self.conn)?;
        // One multi-row INSERT instead of one per criterion. Batch inserts do not compile
        // through the multi-connection, so each backend's arm runs the same statement.
        let rows: Vec<_> = s
            .scores
            .iter()
            .map(|sc| {
                (
                    submission_scores::tenant_id.eq(&tenant),
                    submission_scores::cycle_id.eq(&cycle),
                    submission_scores::organisation_id.eq(&org),
                    submission_scores::criterion.eq(&sc.criterion),
                    submission_scores::school_score.eq(sc.school),
                    submission_scores::partnership_score.eq(sc.partnership),
                    submission_scores::not_yet_evidenced.eq(sc.not_yet_evidenced),
                    submission_scores::evidence.eq(&sc.evidence),
                )
            })
            .collect();
        if !rows.is_empty() {
            let insert = diesel::insert_into(submission_scores::table).values(&rows);
            match &mut *self.conn {
                DbConnection::Pg(c) => insert.execute(c)?,
                DbConnection::Sqlite(c) => insert.execute(c)?,
            };
        }
        Ok(true)
    }

    /// How many cycles a partnership has.
    pub fn count_cycles(&mut self, p: &PartnershipId) -> StoreResult<i64> {
        Ok(cycles::table
            .filter(cycles::tenant_id.eq(self.tenant.as_str()))
            .filter(cycles::partnership_id.eq(p.as_str()))
            .count()
            .get_result(self.conn)?)
    }
}
