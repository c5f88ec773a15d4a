use srdb::Schema;

#[derive(Schema)]
struct Unsupported {
    map: std::collections::HashMap<String, i32>,
}

#[derive(Schema)]
struct NestedOption {
    a: Option<Option<i32>>,
}

#[derive(Schema)]
struct JsonValueWithoutType {
    a: serde_json::Value,
}

#[derive(Schema)]
struct DefaultOfNoValue {
    #[srdb(default = std::time::Duration::from_secs(1))]
    #[serde(with = "srdb::as_nanos")]
    a: std::time::Duration,
}

fn main() {}
