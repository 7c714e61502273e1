//! `saved_panels.source_type` holds the canonical values of `SavedPanelSourceType` (MERGE,
//! UPLOAD, MANUAL, EMPTY, PANELAPP, OTHER), so the column reads as that enum. Before, this version
//! wrote `merge`, `upload`, `genes` and `empty`, and the Flask import copied Flask's `manual` and
//! `panelapp` (or anything else) as they were. Data only: the column stays text.
//!
//! `down` writes the words the previous version wrote (MANUAL becomes `genes`); PANELAPP becomes
//! `panelapp` and OTHER stays, which the previous version read the same way. A Flask value that
//! was neither `manual` nor `panelapp` is OTHER from here on, as the API already showed it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The map of `SavedPanelSourceType::from_stored`, in SQL both databases run.
const UP: &str = "UPDATE saved_panels SET source_type = CASE lower(trim(source_type)) \
     WHEN 'merge' THEN 'MERGE' \
     WHEN 'upload' THEN 'UPLOAD' \
     WHEN 'genes' THEN 'MANUAL' \
     WHEN 'manual' THEN 'MANUAL' \
     WHEN 'empty' THEN 'EMPTY' \
     WHEN 'panelapp' THEN 'PANELAPP' \
     ELSE 'OTHER' END \
     WHERE source_type IS NOT NULL";

const DOWN: &str = "UPDATE saved_panels SET source_type = CASE source_type \
     WHEN 'MERGE' THEN 'merge' \
     WHEN 'UPLOAD' THEN 'upload' \
     WHEN 'MANUAL' THEN 'genes' \
     WHEN 'EMPTY' THEN 'empty' \
     WHEN 'PANELAPP' THEN 'panelapp' \
     ELSE source_type END \
     WHERE source_type IS NOT NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(UP).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(DOWN).await?;
        Ok(())
    }
}
