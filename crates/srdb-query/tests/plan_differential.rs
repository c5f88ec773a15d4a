//! Plans never change answers: for random rows and random queries, running
//! the plan (with every index, some, or none) gives exactly the answer of
//! the naive evaluator, order included.

mod common;

use common::{condition, execute, indexed, query, rows, schema};
use proptest::prelude::*;
use srdb_query::{naive_execute, plan, Direction, Expr, Query, TableRow};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn plans_agree_with_the_naive_evaluator(
        rows in rows(14),
        query in query(),
        index_mask in 0u32..512,
    ) {
        let schema = schema();
        let bound = query.bind(&schema).expect("generated queries bind");
        let expected = naive_execute(&bound, &rows);

        let all = indexed();
        let some: Vec<&str> = all.iter().enumerate()
            .filter(|(i, _)| index_mask & (1 << i) != 0)
            .map(|(_, f)| *f)
            .collect();
        for indexes in [all.clone(), some, Vec::new()] {
            let plan = plan(&bound, &schema, &indexes);
            let got = execute(&plan, &rows, &indexes);
            prop_assert_eq!(&got, &expected, "plan {} for {}", plan.explain(), query);

            // A table layer that bounds its `_seq` scans exactly (as the
            // model does) may test the residual without what the bounds
            // settle.
            let mut narrowed = plan.clone();
            narrowed.residual = plan.residual_within_bounds();
            let got = execute(&narrowed, &rows, &indexes);
            prop_assert_eq!(&got, &expected, "plan {} narrowed to {:?} for {}",
                plan.explain(), narrowed.residual.as_ref().map(ToString::to_string), query);

            // The residual over all rows keeps exactly the rows the filter does.
            let kept = |f: &dyn Fn(&TableRow<'_>) -> bool| -> Vec<u64> {
                rows.iter()
                    .filter(|(seq, time, row)| f(&TableRow { seq: *seq, time: *time, row }))
                    .map(|r| r.0)
                    .collect()
            };
            let by_residual = kept(&|r| plan.residual.as_ref().is_none_or(|e| e.eval(r)));
            let by_filter = kept(&|r| bound.filter().is_none_or(|e| e.eval(r)));
            prop_assert_eq!(by_residual, by_filter);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Conjunctions of `_seq` and `_time` conditions, the filters whose
    /// conditions a `_seq` scan's bounds may settle: the residual without
    /// them gives the same answer, both orders.
    #[test]
    fn residuals_within_bounds_agree_with_the_naive_evaluator(
        rows in rows(14),
        conditions in prop::collection::vec(condition(vec!["_seq", "_time", "_time", "i"]), 1..5),
        desc in any::<bool>(),
    ) {
        let schema = schema();
        let direction = if desc { Direction::Desc } else { Direction::Asc };
        let query = Query::new().filter(Expr::And(conditions)).order_by("_seq", direction);
        let bound = query.bind(&schema).expect("generated queries bind");
        let expected = naive_execute(&bound, &rows);
        let mut narrowed = plan(&bound, &schema, &[]);
        narrowed.residual = narrowed.residual_within_bounds();
        let got = execute(&narrowed, &rows, &[]);
        prop_assert_eq!(&got, &expected, "plan {} for {}", narrowed.explain(), query);
    }
}
