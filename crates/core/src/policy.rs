//! Who may do what. Every route asks here; nothing else decides access.

use crate::{RegionCode, Role, UnitKind};

/// The person acting, as far as access is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub unit_id: i64,
    pub unit_kind: UnitKind,
    pub region: RegionCode,
    pub roles: Vec<Role>,
}

/// The rows a list shows by default (see [`Actor::scope`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everything in this region's subtree.
    Region(RegionCode),
    /// What this unit holds, held or is otherwise on.
    Unit(i64),
}

/// Something an actor wants to do, with the facts the decision needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Browse the directory of regions and units (names and kinds are not secret).
    ViewDirectory,
    /// Create, rename or disable a unit standing in `region` (committees' administrators).
    ManageUnit { region: RegionCode },
    /// See the members of a unit.
    ViewMembers { unit_id: i64, region: RegionCode },
    /// Create or change an account of unit `unit_id`, standing in `region`.
    ManageUser { unit_id: i64, region: RegionCode, change: AccountChange },
    /// Look at the security record (sign-ins, denials) of a region.
    ViewSecurityLog { region: RegionCode },
    /// See a case: units that hold or held it, and the committees over its region (read-only).
    ViewCase { region: RegionCode, involved: bool },
    /// Give commands on cases; the case machine decides which, by unit and state.
    ActOnCases,
    /// See a dispute: units that handle or handled it, were told of it or referred it, and the
    /// committees over its region (read-only, personal data masked).
    ViewDispute { region: RegionCode, involved: bool },
    /// Give commands on disputes; the dispute machine decides which, by unit and state.
    ActOnDisputes,
    /// See a hotline work order: the centre that took it, the units it was dispatched to, and
    /// the committees over the centre's region (read-only).
    ViewTicket { region: RegionCode, involved: bool },
    /// Give commands on work orders; the ticket machine decides which, by unit and state.
    ActOnTickets,
    /// Read the hotline knowledge base: whoever handles work orders, and supervising committees.
    ViewKnowledge,
    /// Add or retire knowledge items of unit `unit_id`: its own members who handle work orders.
    ManageKnowledge { unit_id: i64 },
    /// Subscribe the unit's own system to notices (webhooks), or stop it: the unit's administrators.
    ManageWebhooks { unit_id: i64 },
    /// Load or replace a year's holiday calendar: it moves every deadline in the province.
    LoadCalendar,
    /// Set a city's own hotline time limits: administrators of that city's committee or of the
    /// province's over it.
    SetLocalLimits { region: RegionCode },
    /// Approve (or refuse) the admin role requested for an account of unit `unit_id` in `region`
    /// by `requested_by`: the second pair of eyes.
    DecideAdminGrant { unit_id: i64, region: RegionCode, requested_by: i64 },
}

impl std::fmt::Display for Action {
    /// In words, for the security record.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::ViewDirectory => write!(f, "view the directory"),
            Action::ManageUnit { region } => write!(f, "manage the units of region {region}"),
            Action::ViewMembers { unit_id, .. } => write!(f, "view the members of unit {unit_id}"),
            Action::ManageUser { unit_id, change, .. } => {
                let what = match change {
                    AccountChange::Create { first_admin: true } => "create the first administrator",
                    AccountChange::Create { first_admin: false } => "create an account",
                    AccountChange::Disable => "disable an account",
                    AccountChange::Other => "change an account",
                };
                write!(f, "{what} of unit {unit_id}")
            }
            Action::ViewSecurityLog { region } => write!(f, "view the security record of region {region}"),
            Action::ViewCase { region, .. } => write!(f, "view a case of region {region}"),
            Action::ActOnCases => write!(f, "act on cases"),
            Action::ViewDispute { region, .. } => write!(f, "view a dispute of region {region}"),
            Action::ManageWebhooks { unit_id } => write!(f, "manage the webhooks of unit {unit_id}"),
            Action::ViewTicket { region, .. } => write!(f, "view a work order of region {region}"),
            Action::ActOnTickets => write!(f, "act on work orders"),
            Action::ViewKnowledge => write!(f, "read the knowledge base"),
            Action::ManageKnowledge { unit_id } => write!(f, "manage the knowledge items of unit {unit_id}"),
            Action::ActOnDisputes => write!(f, "act on disputes"),
            Action::LoadCalendar => write!(f, "load a holiday calendar"),
            Action::SetLocalLimits { region } => write!(f, "set the hotline time limits of region {region}"),
            Action::DecideAdminGrant { unit_id, .. } => write!(f, "decide an admin role for unit {unit_id}"),
        }
    }
}

/// What is done to an account, as far as who may do it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChange {
    /// Create an account. `first_admin`: the unit has no active administrator and the new
    /// account is one — how a committee gives a new (or orphaned) unit its administrator.
    Create { first_admin: bool },
    /// Disable an account: it stops at once, and no one becomes anyone else by it.
    Disable,
    /// Roles, name, re-enabling, a new password: whoever does these can act as the person.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Denied {
    pub reason: String,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// A committee's supervisors watch every flow in their region's subtree (the owner of the
    /// group chat); they do not act on cases themselves.
    pub fn supervises(&self) -> bool {
        self.unit_kind == UnitKind::Committee && self.has(Role::Supervisor)
    }

    /// Which rows a list shows this person unless they ask for a region: a supervisor their
    /// region's subtree, anyone else what their own unit is on.
    pub fn scope(&self) -> Scope {
        if self.supervises() {
            Scope::Region(self.region)
        } else {
            Scope::Unit(self.unit_id)
        }
    }

    /// A role that handles hotline work orders: the centre's operators and the units orders go to.
    fn handles_tickets(&self) -> bool {
        [Role::HotlineOperator, Role::PoliceOfficer, Role::Prosecutor, Role::Judge, Role::Clerk, Role::JusticeOfficer, Role::Mediator]
            .iter()
            .any(|r| self.has(*r))
    }

    /// Decide whether this actor may perform `action`.
    pub fn authorize(&self, action: Action) -> Result<(), Denied> {
        let deny = |reason: String| Err(Denied { reason });
        match action {
            Action::ViewDirectory => Ok(()),
            Action::ManageUnit { region } => {
                if !self.has(Role::Admin) {
                    return deny("requires the admin role".into());
                }
                if self.unit_kind != UnitKind::Committee {
                    return deny("units are created, renamed and disabled by the political-legal committee's administrators".into());
                }
                if !self.region.contains(region) {
                    return deny(format!("region {region} is outside your region {}", self.region));
                }
                Ok(())
            }
            Action::ManageUser { unit_id, region, change } => {
                if !self.has(Role::Admin) {
                    return deny("requires the admin role".into());
                }
                // Each agency administers its own people: no unit's administrator can make
                // someone a judge, a prosecutor or an officer of another agency (mutual checks).
                if unit_id == self.unit_id {
                    return Ok(());
                }
                if self.unit_kind != UnitKind::Committee {
                    return deny(format!("administrators manage their own unit's people only; unit {unit_id} is another unit"));
                }
                if !self.region.contains(region) {
                    return deny(format!("region {region} is outside your region {}", self.region));
                }
                match change {
                    AccountChange::Create { first_admin: true } | AccountChange::Disable => Ok(()),
                    AccountChange::Create { first_admin: false } => {
                        deny(format!("unit {unit_id} has an administrator, who creates its people; a committee creates only a unit's first administrator"))
                    }
                    AccountChange::Other => {
                        deny(format!("roles, names and passwords in unit {unit_id} are changed by its own administrators; a committee may disable an account"))
                    }
                }
            }
            Action::ViewMembers { unit_id, region } => {
                if unit_id == self.unit_id {
                    return Ok(());
                }
                let oversees = self.unit_kind == UnitKind::Committee && (self.has(Role::Admin) || self.has(Role::Supervisor));
                if oversees && self.region.contains(region) {
                    return Ok(());
                }
                deny(format!("unit {unit_id} is not your unit and not in a region your committee oversees"))
            }
            Action::ViewCase { region, involved } => {
                if involved {
                    return Ok(());
                }
                if self.unit_kind == UnitKind::Committee && self.has(Role::Supervisor) && self.region.contains(region) {
                    return Ok(());
                }
                deny("this case was never held by your unit, and it is not in a region you supervise".into())
            }
            Action::ActOnCases => {
                if [Role::PoliceOfficer, Role::Prosecutor, Role::Judge, Role::Clerk, Role::JusticeOfficer].iter().any(|r| self.has(*r)) {
                    Ok(())
                } else {
                    deny("requires a case-handling role (police officer, prosecutor, judge, clerk, justice officer)".into())
                }
            }
            Action::ViewDispute { region, involved } => {
                if involved {
                    return Ok(());
                }
                if self.unit_kind == UnitKind::Committee && self.has(Role::Supervisor) && self.region.contains(region) {
                    return Ok(());
                }
                deny("this dispute was never handled by your unit nor sent to it, and it is not in a region you supervise".into())
            }
            Action::ViewTicket { region, involved } => {
                if involved || (self.unit_kind == UnitKind::Committee && self.has(Role::Supervisor) && self.region.contains(region)) {
                    Ok(())
                } else {
                    deny("this work order was never sent to your unit, and it is not in a region you supervise".into())
                }
            }
            Action::ActOnTickets => {
                if self.handles_tickets() {
                    Ok(())
                } else {
                    deny("requires a role that handles work orders".into())
                }
            }
            Action::ViewKnowledge => {
                if self.handles_tickets() || (self.unit_kind == UnitKind::Committee && self.has(Role::Supervisor)) {
                    Ok(())
                } else {
                    deny("requires a role that handles work orders, or supervision".into())
                }
            }
            Action::ManageKnowledge { unit_id } => {
                if unit_id == self.unit_id && self.handles_tickets() {
                    Ok(())
                } else {
                    deny(format!("the knowledge items of unit {unit_id} are kept by its own members who handle work orders"))
                }
            }
            Action::ManageWebhooks { unit_id } => {
                if self.has(Role::Admin) && unit_id == self.unit_id {
                    Ok(())
                } else {
                    deny(format!("the webhooks of unit {unit_id} are managed by its own administrators: they send its disputes' notices out of the platform"))
                }
            }
            Action::ActOnDisputes => {
                let roles = [Role::Mediator, Role::PoliceOfficer, Role::Judge, Role::Clerk, Role::JusticeOfficer, Role::HotlineOperator];
                if roles.iter().any(|r| self.has(*r)) {
                    Ok(())
                } else {
                    deny("requires a dispute-handling role (mediator, police officer, judge, clerk, justice officer, hotline operator)".into())
                }
            }
            Action::DecideAdminGrant { unit_id, region, requested_by } => {
                if requested_by == self.user_id {
                    return deny("the admin role is granted by a second administrator, not the one who asked for it".into());
                }
                if !self.has(Role::Admin) {
                    return deny("requires the admin role".into());
                }
                // The unit's own administrators, or the committee over its region.
                if unit_id == self.unit_id || (self.unit_kind == UnitKind::Committee && self.region.contains(region)) {
                    Ok(())
                } else {
                    deny(format!("an admin grant in unit {unit_id} is decided by its own administrators or its committee"))
                }
            }
            Action::LoadCalendar => {
                if self.has(Role::Admin) && self.unit_kind == UnitKind::Committee && self.region.level() == crate::RegionLevel::Province {
                    Ok(())
                } else {
                    deny("loading a holiday calendar requires an administrator of the provincial political-legal committee".into())
                }
            }
            Action::SetLocalLimits { region } => {
                if self.has(Role::Admin)
                    && self.unit_kind == UnitKind::Committee
                    && self.region.contains(region)
                    && self.region.level() != crate::RegionLevel::County
                {
                    Ok(())
                } else {
                    deny(format!("a city's hotline time limits are set by administrators of its committee or the province's (region {region})"))
                }
            }
            Action::ViewSecurityLog { region } => {
                if (self.has(Role::Admin) || self.has(Role::Auditor)) && self.region.contains(region) {
                    Ok(())
                } else {
                    deny("requires the admin or auditor role for this region".into())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supervisors_list_their_region_everyone_else_their_unit() {
        let supervisor = actor("990100", UnitKind::Committee, &[Role::Supervisor]);
        assert_eq!(supervisor.scope(), Scope::Region(supervisor.region));
        let admin = actor("990100", UnitKind::Committee, &[Role::Admin]);
        assert_eq!(admin.scope(), Scope::Unit(admin.unit_id), "a committee's administrator is not a supervisor");
        let police = actor("990101", UnitKind::Police, &[Role::PoliceOfficer, Role::Supervisor]);
        assert!(!police.supervises(), "only a committee supervises");
    }

    fn actor(region: &str, kind: UnitKind, roles: &[Role]) -> Actor {
        Actor { user_id: 1, unit_id: 10, unit_kind: kind, region: RegionCode::parse("r", region).unwrap(), roles: roles.to_vec() }
    }
    fn r(s: &str) -> RegionCode {
        RegionCode::parse("r", s).unwrap()
    }

    #[test]
    fn committees_manage_units_in_their_subtree() {
        let city_admin = actor("990300", UnitKind::Committee, &[Role::Admin]);
        assert!(city_admin.authorize(Action::ManageUnit { region: r("990312") }).is_ok());
        assert!(city_admin.authorize(Action::ManageUnit { region: r("990300") }).is_ok());
        let e = city_admin.authorize(Action::ManageUnit { region: r("990412") }).unwrap_err();
        assert!(e.reason.contains("990412"), "{e}");
        let police_admin = actor("990312", UnitKind::Police, &[Role::Admin]);
        assert!(police_admin.authorize(Action::ManageUnit { region: r("990312") }).is_err(), "an agency does not create or disable units");
    }

    /// Every administrator placement against every kind of target unit and change: only a
    /// unit's own administrators act freely on its people; a committee over its region creates a
    /// unit's first administrator or disables an account, nothing more; no other agency anything.
    #[test]
    fn administration_stays_inside_each_agency() {
        use AccountChange::*;
        let changes = [Create { first_admin: false }, Create { first_admin: true }, Disable, Other];
        let targets = [
            (10, UnitKind::Police, "990312"),
            (11, UnitKind::CourtBasic, "990312"),
            (12, UnitKind::Procuratorate, "990312"),
            (13, UnitKind::JusticeBureau, "990312"),
            (14, UnitKind::Committee, "990312"),
            (15, UnitKind::MediationCommittee, "990312"),
            (16, UnitKind::CourtIntermediate, "990300"),
            (17, UnitKind::Police, "990412"),
        ];
        // (placement, acting unit id, kind, region)
        let placements = [
            ("police admin", 10, UnitKind::Police, "990312"),
            ("court admin", 11, UnitKind::CourtBasic, "990312"),
            ("county committee admin", 14, UnitKind::Committee, "990312"),
            ("city committee admin", 20, UnitKind::Committee, "990300"),
            ("province committee admin", 21, UnitKind::Committee, "990000"),
        ];
        for (who, unit_id, kind, region) in placements {
            let admin = Actor { unit_id, ..actor(region, kind, &[Role::Admin]) };
            for (target, target_kind, target_region) in targets {
                for change in changes {
                    let got = admin.authorize(Action::ManageUser { unit_id: target, region: r(target_region), change }).is_ok();
                    let own = target == unit_id;
                    let over = kind == UnitKind::Committee && r(region).contains(r(target_region));
                    let want = own || (over && matches!(change, Create { first_admin: true } | Disable));
                    assert_eq!(got, want, "{who} → {target_kind} {target_region} ({target}): {change:?}");
                }
            }
        }
        let officer = Actor { unit_id: 10, ..actor("990312", UnitKind::Police, &[Role::PoliceOfficer]) };
        assert!(officer.authorize(Action::ManageUser { unit_id: 10, region: r("990312"), change: Other }).is_err(), "the admin role is needed even at home");
    }

    #[test]
    fn cases_are_seen_by_their_units_and_supervising_committees() {
        let supervisor = actor("990100", UnitKind::Committee, &[Role::Supervisor]);
        assert!(supervisor.authorize(Action::ViewCase { region: r("990101"), involved: false }).is_ok());
        assert!(supervisor.authorize(Action::ViewCase { region: r("990201"), involved: false }).is_err());
        assert!(supervisor.authorize(Action::ActOnCases).is_err(), "committees supervise, they do not act");
        let officer = actor("990102", UnitKind::Police, &[Role::PoliceOfficer]);
        assert!(officer.authorize(Action::ViewCase { region: r("990101"), involved: false }).is_err());
        assert!(officer.authorize(Action::ViewCase { region: r("990101"), involved: true }).is_ok());
        assert!(officer.authorize(Action::ActOnCases).is_ok());
        assert!(actor("990000", UnitKind::Committee, &[Role::Admin]).authorize(Action::ActOnCases).is_err());
    }

    #[test]
    fn officers_manage_nothing_and_see_only_their_own_members() {
        let officer = actor("990312", UnitKind::Police, &[Role::PoliceOfficer]);
        assert!(officer.authorize(Action::ManageUser { unit_id: 10, region: r("990312"), change: AccountChange::Other }).is_err());
        assert!(officer.authorize(Action::ViewMembers { unit_id: 10, region: r("990312") }).is_ok());
        assert!(officer.authorize(Action::ViewMembers { unit_id: 11, region: r("990312") }).is_err());
        let supervisor = actor("990300", UnitKind::Committee, &[Role::Supervisor]);
        assert!(supervisor.authorize(Action::ViewMembers { unit_id: 11, region: r("990312") }).is_ok());
        assert!(supervisor.authorize(Action::ViewMembers { unit_id: 11, region: r("990401") }).is_err());
        let police_admin = actor("990312", UnitKind::Police, &[Role::Admin]);
        assert!(police_admin.authorize(Action::ViewMembers { unit_id: 11, region: r("990312") }).is_err(), "another agency's members are its own business");
    }

    #[test]
    fn only_the_provincial_committees_administrators_load_calendars() {
        assert!(actor("990000", UnitKind::Committee, &[Role::Admin]).authorize(Action::LoadCalendar).is_ok());
        for (region, kind, roles) in [
            ("990100", UnitKind::Committee, &[Role::Admin][..]),
            ("990000", UnitKind::Committee, &[Role::Supervisor][..]),
            ("990000", UnitKind::CourtHigh, &[Role::Admin][..]),
            ("990101", UnitKind::Police, &[Role::Admin, Role::PoliceOfficer][..]),
        ] {
            let e = actor(region, kind, roles).authorize(Action::LoadCalendar).unwrap_err();
            assert!(e.reason.contains("provincial"), "{region} {kind}: {e}");
        }
    }

    #[test]
    fn a_citys_hotline_limits_are_set_by_its_committee_or_the_provinces() {
        let city = RegionCode::parse("r", "990100").unwrap();
        assert!(actor("990100", UnitKind::Committee, &[Role::Admin]).authorize(Action::SetLocalLimits { region: city }).is_ok());
        assert!(actor("990000", UnitKind::Committee, &[Role::Admin]).authorize(Action::SetLocalLimits { region: city }).is_ok());
        for (region, kind, roles) in [
            ("990200", UnitKind::Committee, &[Role::Admin][..]),
            ("990100", UnitKind::Committee, &[Role::Supervisor][..]),
            ("990100", UnitKind::Hotline12345, &[Role::Admin][..]),
            ("990101", UnitKind::Committee, &[Role::Admin][..]),
        ] {
            assert!(actor(region, kind, roles).authorize(Action::SetLocalLimits { region: city }).is_err(), "{region} {kind}");
        }
    }

    #[test]
    fn the_admin_role_takes_a_second_pair_of_eyes() {
        let province = Actor { user_id: 1, unit_id: 21, ..actor("990000", UnitKind::Committee, &[Role::Admin]) };
        let city = Actor { user_id: 2, unit_id: 20, ..actor("990300", UnitKind::Committee, &[Role::Admin]) };
        let court_admin = Actor { user_id: 3, unit_id: 11, ..actor("990312", UnitKind::CourtBasic, &[Role::Admin]) };
        let police_admin = Actor { user_id: 4, unit_id: 10, ..actor("990312", UnitKind::Police, &[Role::Admin]) };
        let grant = |requested_by| Action::DecideAdminGrant { unit_id: 11, region: r("990312"), requested_by };
        assert!(city.authorize(grant(2)).unwrap_err().reason.contains("second administrator"), "not one's own request");
        assert!(province.authorize(grant(2)).is_ok(), "the committee above");
        assert!(city.authorize(grant(1)).is_ok());
        assert!(court_admin.authorize(grant(1)).is_ok(), "the unit's own administrator");
        assert!(police_admin.authorize(grant(1)).is_err(), "not another agency");
        let far = Actor { user_id: 5, unit_id: 30, ..actor("990400", UnitKind::Committee, &[Role::Admin]) };
        assert!(far.authorize(grant(1)).is_err(), "not another city's committee");
        let supervisor = Actor { user_id: 6, unit_id: 20, ..actor("990300", UnitKind::Committee, &[Role::Supervisor]) };
        assert!(supervisor.authorize(grant(1)).is_err());
    }
}
