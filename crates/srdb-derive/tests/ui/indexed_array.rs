use srdb::{Schema, TableSchema};

#[derive(Schema)]
struct IndexedArray {
    #[srdb(unique)]
    tags: Vec<serde_json::Value>,
}

fn main() {
    let _ = IndexedArray::schema();
}
