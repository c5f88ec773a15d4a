use srdb::Schema;

#[derive(Schema)]
struct Reserved {
    _time: i64,
}

#[derive(Schema)]
struct Duplicate {
    #[serde(rename = "a")]
    b: i32,
    a: i32,
}

#[derive(Schema)]
struct InvalidName {
    #[srdb(rename = "two words")]
    a: i32,
}

#[derive(Schema)]
struct RenamesDisagree {
    #[srdb(rename = "x")]
    #[serde(rename = "y")]
    a: i32,
}

#[derive(Schema)]
struct SeqNotOption {
    #[srdb(seq)]
    #[serde(rename = "_seq")]
    seq: u64,
}

#[derive(Schema)]
struct TimeNotNamed {
    #[srdb(time)]
    at: i64,
}

#[derive(Schema)]
#[serde(rename_all = "camelCase")]
struct RenameAll {
    a_b: i32,
}

#[derive(Schema)]
struct Flatten {
    #[serde(flatten)]
    a: std::collections::HashMap<String, i32>,
}

#[derive(Schema)]
#[serde(deny_unknown_fields)]
struct DeniesTheRowColumns {
    #[srdb(seq)]
    #[serde(rename = "_seq")]
    seq: Option<u64>,
    a: i32,
}

fn main() {}
