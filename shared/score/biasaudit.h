/* biasaudit: selection rates, scoring rates and impact ratios by sex, race/ethnicity and both (NYC Local Law 144). */
#ifndef SHORTLIST_BIASAUDIT_H
#define SHORTLIST_BIASAUDIT_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/*
 * The candidates of a scope (a job, or every job of an organisation) are
 * those with a current analysis that did not fail. A candidate is selected
 * when the category shown for it is shortlist (a human decision over the
 * scorer's recommendation). The scoring rate of a category is the share of
 * its candidates whose score is above the median score of the whole scope.
 * A category's impact ratio is its rate over the highest rate of the
 * categories judged in its dimension. A category is too small to judge
 * (reported, with no ratio and no flag) when it has fewer than min_group
 * candidates or under 2% of the candidates whose category is known. A judged
 * category whose impact ratio is below BIASAUDIT_FLOOR is flagged.
 * Candidates who gave no answer count as unknown and take part only in the
 * median.
 */

#define BIASAUDIT_FLOOR 0.8
#define BIASAUDIT_MIN_GROUP_DEFAULT 5
#define BIASAUDIT_MIN_GROUP_MAX 100000

/* One candidate: indexes into demographics_sexes and _races (-1: unknown). */
struct biasaudit_row {
	int sex;
	int race;
	bool selected;
	bool has_score;
	double score;
};

/*
 * The report of n rows: {candidates, scored, median_score, min_group,
 * impact_ratio_floor, unknown: {sex, race_ethnicity, intersection}, flagged,
 * sex: [group], race_ethnicity: [group], intersection: [group]}, each group
 * {category (intersection: sex and race_ethnicity instead), candidates,
 * selected, selection_rate, selection_impact_ratio, above_median,
 * scoring_rate, scoring_impact_ratio, too_small, flagged: [which ratios]}
 * with every category listed, in the order of demographics.h. Rates and
 * ratios are null when undefined. Returns a new object (caller frees).
 */
cJSON *biasaudit_report(const struct biasaudit_row *rows, size_t n, int min_group);

/*
 * The report as CSV for an auditor: a header line, then one line per
 * category of each dimension (dimension,category,candidates,...), and one
 * "unknown" line per dimension; appended to out. Returns 0 or -1 when out
 * is full.
 */
int biasaudit_csv(const cJSON *report, struct buf *out);

/*
 * Loads the scope's rows and makes the report, with {scope: {org_id,
 * job_id or null}, generated_at} added. job_id 0 is the whole
 * organisation. Returns 0 and *out (caller frees), ST_NOT_FOUND when the
 * organisation has no such job, or a db status code.
 */
int biasaudit_scope(int64_t org_id, int64_t job_id, int min_group, cJSON **out);

#endif
