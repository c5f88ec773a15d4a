//! Plans never change answers: for random rows and random queries, running
//! the plan (with every index, some, or none) gives exactly the answer of
//! the naive evaluator, order included.

mod common;

use common::{execute, indexed, query, rows, schema};
use proptest::prelude::*;
use srdb_query::{naive_execute, plan, TableRow};

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
