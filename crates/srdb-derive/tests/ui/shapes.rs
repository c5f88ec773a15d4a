use srdb::Schema;

#[derive(Schema)]
enum NotAStruct {
    A,
}

#[derive(Schema)]
struct Tuple(i32);

#[derive(Schema)]
struct Generic<T> {
    a: T,
}

#[derive(Schema)]
struct DurationWithoutWith {
    timeout: std::time::Duration,
}

#[derive(Schema)]
#[srdb(table = "users")]
struct UnknownStructAttribute {
    a: i32,
}

#[derive(Schema)]
struct TimeMemberWithoutWith {
    #[srdb(time)]
    #[serde(rename = "_time")]
    at: Option<std::time::SystemTime>,
}

fn main() {}
