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

/// Something an actor wants to do, with the facts the decision needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Browse the directory of regions and units (names and kinds are not secret).
    ViewDirectory,
    /// Create, rename or disable a unit standing in `region`.
    ManageUnit { region: RegionCode },
    /// See the members of a unit.
    ViewMembers { unit_id: i64, region: RegionCode },
    /// Create, change, disable a user of a unit standing in `region`.
    ManageUser { region: RegionCode },
    /// Look at the security record (sign-ins, denials) of a region.
    ViewSecurityLog { region: RegionCode },
    /// See a case: units that hold or held it, and the committees over its region (read-only).
    ViewCase { region: RegionCode, involved: bool },
    /// Give commands on cases; the case machine decides which, by unit and state.
    ActOnCases,
    /// Load or replace a year's holiday calendar: it moves every deadline in the province.
    LoadCalendar,
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

    /// Decide whether this actor may perform `action`.
    pub fn authorize(&self, action: Action) -> Result<(), Denied> {
        let deny = |reason: String| Err(Denied { reason });
        match action {
            Action::ViewDirectory => Ok(()),
            Action::ManageUnit { region } | Action::ManageUser { region } => {
                if !self.has(Role::Admin) {
                    return deny("requires the admin role".into());
                }
                if !self.region.contains(region) {
                    return deny(format!("region {region} is outside your region {}", self.region));
                }
                Ok(())
            }
            Action::ViewMembers { unit_id, region } => {
                if unit_id == self.unit_id {
                    return Ok(());
                }
                let oversees = self.has(Role::Admin) || (self.has(Role::Supervisor) && self.unit_kind == UnitKind::Committee);
                if oversees && self.region.contains(region) {
                    return Ok(());
                }
                deny(format!("unit {unit_id} is not your unit and not in a region you oversee"))
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
            Action::LoadCalendar => {
                if self.has(Role::Admin) && self.unit_kind == UnitKind::Committee && self.region.level() == crate::RegionLevel::Province {
                    Ok(())
                } else {
                    deny("loading a holiday calendar requires an administrator of the provincial political-legal committee".into())
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

    fn actor(region: &str, kind: UnitKind, roles: &[Role]) -> Actor {
        Actor { user_id: 1, unit_id: 10, unit_kind: kind, region: RegionCode::parse("r", region).unwrap(), roles: roles.to_vec() }
    }
    fn r(s: &str) -> RegionCode {
        RegionCode::parse("r", s).unwrap()
    }

    #[test]
    fn admins_manage_only_their_subtree() {
        let city_admin = actor("990300", UnitKind::Committee, &[Role::Admin]);
        assert!(city_admin.authorize(Action::ManageUnit { region: r("990312") }).is_ok());
        assert!(city_admin.authorize(Action::ManageUnit { region: r("990300") }).is_ok());
        let e = city_admin.authorize(Action::ManageUnit { region: r("990412") }).unwrap_err();
        assert!(e.reason.contains("990412"), "{e}");
        assert!(city_admin.authorize(Action::ManageUser { region: r("990000") }).is_err());
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
        assert!(officer.authorize(Action::ManageUser { region: r("990312") }).is_err());
        assert!(officer.authorize(Action::ViewMembers { unit_id: 10, region: r("990312") }).is_ok());
        assert!(officer.authorize(Action::ViewMembers { unit_id: 11, region: r("990312") }).is_err());
        let supervisor = actor("990300", UnitKind::Committee, &[Role::Supervisor]);
        assert!(supervisor.authorize(Action::ViewMembers { unit_id: 11, region: r("990312") }).is_ok());
        assert!(supervisor.authorize(Action::ViewMembers { unit_id: 11, region: r("990401") }).is_err());
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
}
