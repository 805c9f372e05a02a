-- review_files.sql: the files reviews find the most problems in, per project.
--
-- One row per (project, file) over the findings of reviews that ended in the window: how many
-- findings, in how many reviews, and the most urgent priority among them (0 is the most
-- urgent; NULL when no finding had one). Per project the most findings first, at most {limit}
-- files per project.
--
-- Parameters:
--   since    DateTime64(3, 'UTC')  first instant included (UTC text or unix seconds)
--   until    DateTime64(3, 'UTC')  first instant excluded
--   project  String                project_path to keep, or '' for every project
--   limit    UInt32                at most this many files per project
SELECT
    project_path,
    file_path,
    count() AS findings,
    uniqExact(review_id) AS reviews,
    min(priority) AS top_priority
FROM agent.review_findings FINAL
WHERE ts_ms >= toUnixTimestamp64Milli({since:DateTime64(3, 'UTC')})
  AND ts_ms < toUnixTimestamp64Milli({until:DateTime64(3, 'UTC')})
  AND ({project:String} = '' OR project_path = {project:String})
GROUP BY project_path, file_path
ORDER BY project_path, findings DESC, file_path
LIMIT {limit:UInt32} BY project_path
