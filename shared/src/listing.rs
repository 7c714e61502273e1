//! The closed sets of the saved-panel library that the server and the web app both name: which
//! panels a listing covers, how it is sorted, and who a share is for.

closed_enum! {
    /// Which saved panels a list covers.
    #[derive(Default)]
    pub enum PanelScope ("panel scope") {
        /// Everything you may see.
        #[default]
        All = "ALL",
        /// Panels you own.
        Mine = "MINE",
        /// Panels others shared with you, directly or through a team (live shares only).
        SharedWithMe = "SHARED_WITH_ME",
        /// PUBLIC panels, anyone's.
        Public = "PUBLIC",
    }
}

closed_enum! {
    /// Order of a saved-panel list.
    #[derive(Default)]
    pub enum PanelSort ("panel sort") {
        /// Most recently changed first (the default).
        #[default]
        UpdatedDesc = "UPDATED_DESC",
        /// Most recently created first.
        CreatedDesc = "CREATED_DESC",
        /// By name, A to Z.
        NameAsc = "NAME_ASC",
        /// Largest first.
        GeneCountDesc = "GENE_COUNT_DESC",
    }
}

closed_enum! {
    /// Who a share is for.
    pub enum ShareTarget ("share target") {
        /// One account.
        User = "USER",
        /// Every member of a team.
        Team = "TEAM",
        /// Whoever holds a link (anonymous visitors included; VIEW or COMMENT only).
        Link = "LINK",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_and_defaults() {
        assert_eq!(PanelScope::default(), PanelScope::All);
        assert_eq!(PanelSort::default(), PanelSort::UpdatedDesc);
        assert_eq!(PanelScope::SharedWithMe.as_str(), "SHARED_WITH_ME");
        assert_eq!(
            serde_json::to_string(&PanelSort::GeneCountDesc).unwrap(),
            "\"GENE_COUNT_DESC\""
        );
        assert_eq!("link".parse::<ShareTarget>().unwrap(), ShareTarget::Link);
        assert!("GROUP".parse::<ShareTarget>().is_err());
    }
}
