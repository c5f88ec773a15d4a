use srdb::Schema;

#[derive(Schema)]
struct RequiredWithDefault {
    #[srdb(required, default = 1)]
    a: i32,
}

#[derive(Schema)]
struct NullableWithoutOption {
    #[srdb(nullable)]
    a: i32,
}

#[derive(Schema)]
struct UnknownAttribute {
    #[srdb(primary_key)]
    a: i32,
}

#[derive(Schema)]
struct GivenTwice {
    #[srdb(indexed, indexed)]
    a: i32,
}

#[derive(Schema)]
struct SkipWithMore {
    #[srdb(skip, unique)]
    a: i32,
}

#[derive(Schema)]
struct UnknownFieldType {
    #[srdb(type = "int128")]
    a: i128,
}

#[derive(Schema)]
struct IndexedObject {
    #[srdb(indexed, type = "object")]
    a: serde_json::Value,
}

#[derive(Schema)]
struct AttributesOnSerdeSkipped {
    #[srdb(indexed)]
    #[serde(skip)]
    a: i32,
}

#[derive(Schema)]
struct CommentTooLong {
    #[srdb(comment = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    a: i32,
}

fn main() {}
