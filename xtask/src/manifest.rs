//! Just enough reading of `Cargo.toml` files to find the workspace's crates,
//! their kinds of targets, and the fuzz targets.
//!
//! xtask stays free of dependencies so that it compiles in seconds, so this is
//! not a TOML parser: it reads `[section]` headers and `name = "..."` lines,
//! which is all that cargo manifests written by hand in this repository use
//! for the facts below.

use std::fs;
use std::path::{Path, PathBuf};

/// The facts xtask needs from one manifest.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    /// `name` in `[package]`.
    pub package_name: Option<String>,
    /// `name` of every `[[bin]]` section, in file order.
    pub bin_names: Vec<String>,
    /// Whether the manifest has a `[lib]` section.
    pub has_lib_section: bool,
    /// Whether the manifest has at least one `[[bench]]` section.
    pub has_bench_section: bool,
    /// Whether `[dependencies]` or `[dev-dependencies]` names the facade
    /// crate `srdb` (as `srdb = ...` or `srdb.workspace = true`).
    pub uses_facade: bool,
}

impl Manifest {
    /// Reads the facts from the text of a `Cargo.toml`.
    pub fn parse(text: &str) -> Manifest {
        let mut manifest = Manifest::default();
        let mut section = String::new();
        for raw_line in text.lines() {
            let line = strip_comment(raw_line).trim();
            if line.starts_with('[') {
                section = line.to_string();
                match section.as_str() {
                    "[lib]" => manifest.has_lib_section = true,
                    "[[bench]]" => manifest.has_bench_section = true,
                    _ => {}
                }
                continue;
            }
            if matches!(section.as_str(), "[dependencies]" | "[dev-dependencies]")
                && dependency_key(line) == Some(FACADE)
            {
                manifest.uses_facade = true;
            }
            let Some(name) = string_value(line, "name") else { continue };
            match section.as_str() {
                "[package]" if manifest.package_name.is_none() => {
                    manifest.package_name = Some(name);
                }
                "[[bin]]" => manifest.bin_names.push(name),
                _ => {}
            }
        }
        manifest
    }

    /// Reads and parses the manifest at `path`.
    pub fn read(path: &Path) -> Result<Manifest, String> {
        let text = fs::read_to_string(path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        Ok(Manifest::parse(&text))
    }
}

/// The package name of the facade crate.
const FACADE: &str = "srdb";

/// The dependency a line of a dependencies section declares: the key before
/// `=`, without a dotted suffix such as `.workspace`.
fn dependency_key(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    Some(key.split_once('.').map_or(key, |(name, _)| name).trim())
}

/// A cargo package of this repository and the kinds of targets it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The package name, as `cargo -p` takes it.
    pub name: String,
    /// Whether it has a library target.
    pub has_lib: bool,
    /// Whether it has at least one binary target.
    pub has_bin: bool,
    /// Whether it has at least one bench target (`benches/*.rs` or `[[bench]]`).
    pub has_benches: bool,
    /// Whether it depends on the facade crate `srdb`, for its library or for
    /// its tests.
    pub uses_facade: bool,
}

impl Package {
    /// Reads the package whose `Cargo.toml` is in `dir`.
    pub fn read(dir: &Path) -> Result<Package, String> {
        let manifest_path = dir.join("Cargo.toml");
        let manifest = Manifest::read(&manifest_path)?;
        let name = manifest
            .package_name
            .ok_or_else(|| format!("{} has no [package] name", manifest_path.display()))?;
        Ok(Package {
            name,
            has_lib: manifest.has_lib_section || dir.join("src/lib.rs").is_file(),
            has_bin: !manifest.bin_names.is_empty()
                || dir.join("src/main.rs").is_file()
                || has_rust_file(&dir.join("src/bin")),
            has_benches: manifest.has_bench_section || has_rust_file(&dir.join("benches")),
            uses_facade: manifest.uses_facade,
        })
    }
}

/// The members of the workspace rooted at `root`, from the `members` list of
/// its `Cargo.toml`, each with whether it lives under `crates/`.
///
/// A member pattern is a directory or a directory followed by `/*` (all its
/// subdirectories that hold a `Cargo.toml`), which is what this repository
/// uses; any other glob is refused rather than guessed at.
pub fn workspace_members(root: &Path) -> Result<Vec<Member>, String> {
    let manifest_path = root.join("Cargo.toml");
    let text = fs::read_to_string(&manifest_path)
        .map_err(|err| format!("cannot read {}: {err}", manifest_path.display()))?;
    let patterns = members_list(&text)
        .ok_or_else(|| format!("{} has no [workspace] members list", manifest_path.display()))?;
    let mut members = Vec::new();
    for pattern in patterns {
        let dirs = if let Some(parent) = pattern.strip_suffix("/*") {
            subdirectories_with_manifest(&root.join(parent))?
        } else if pattern.contains(['*', '?', '[']) {
            return Err(format!("workspace member pattern {pattern:?} is not supported"));
        } else {
            vec![root.join(&pattern)]
        };
        for dir in dirs {
            let package = Package::read(&dir)?;
            members.push(Member { under_crates: dir.starts_with(root.join("crates")), package });
        }
    }
    members.sort_by(|a, b| a.package.name.cmp(&b.package.name));
    Ok(members)
}

/// A member of the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The package.
    pub package: Package,
    /// Whether it lives under `crates/` (the engine's crates, as opposed to
    /// `xtask` and `benches`).
    pub under_crates: bool,
}

/// The strings of `members = [...]` in the `[workspace]` section.
fn members_list(text: &str) -> Option<Vec<String>> {
    let mut in_workspace = false;
    let mut lines = text.lines().map(|line| strip_comment(line).trim());
    while let Some(line) = lines.next() {
        if line.starts_with('[') {
            in_workspace = line == "[workspace]";
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        if !in_workspace || key.trim() != "members" {
            continue;
        }
        // The list may span lines: gather text up to the closing bracket.
        let mut list = value.trim().strip_prefix('[')?.to_string();
        while !list.contains(']') {
            list.push_str(lines.next()?);
        }
        let list = &list[..list.find(']')?];
        let items = list.split(',').map(str::trim).filter(|item| !item.is_empty());
        return items
            .map(|item| Some(item.strip_prefix('"')?.strip_suffix('"')?.to_string()))
            .collect();
    }
    None
}

/// The subdirectories of `dir` that hold a `Cargo.toml`, sorted.
fn subdirectories_with_manifest(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        fs::read_dir(dir).map_err(|err| format!("cannot list {}: {err}", dir.display()))?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Whether `dir` directly holds at least one `.rs` file (or a folder with a
/// `main.rs`, which cargo also takes as a target).
fn has_rust_file(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else { return false };
    entries.filter_map(Result::ok).map(|entry| entry.path()).any(|path| {
        path.extension().is_some_and(|ext| ext == "rs") || path.join("main.rs").is_file()
    })
}

/// The line without a trailing `# comment` (a `#` inside a string stays).
fn strip_comment(line: &str) -> &str {
    let mut in_string = false;
    for (index, ch) in line.char_indices() {
        match ch {
            '"' => in_string = !in_string,
            '#' if !in_string => return &line[..index],
            _ => {}
        }
    }
    line
}

/// The string value of `key = "value"`, if `line` is that assignment.
fn string_value(line: &str, key: &str) -> Option<String> {
    let (left, right) = line.split_once('=')?;
    if left.trim() != key {
        return None;
    }
    let value = right.trim().strip_prefix('"')?.strip_suffix('"')?;
    Some(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_package_name_bins_and_sections() {
        let text = r#"
[package]
name = "srdb-fuzz"   # the package
version = "0.0.0"

[dependencies]
srdb-wal = { path = "../crates/srdb-wal" }

[lib]
name = "not_a_package_name"

[[bin]]
name = "wal_reader"
path = "fuzz_targets/wal_reader.rs"

[[bin]]
# name = "commented_out"
name="sst_reader"
"#;
        let manifest = Manifest::parse(text);
        assert_eq!(manifest.package_name.as_deref(), Some("srdb-fuzz"));
        assert_eq!(manifest.bin_names, ["wal_reader", "sst_reader"]);
        assert!(manifest.has_lib_section);
        assert!(!manifest.has_bench_section);
    }

    #[test]
    fn finds_the_facade_among_dependencies_and_dev_dependencies() {
        let uses = |text: &str| Manifest::parse(text).uses_facade;
        assert!(uses("[dependencies]\nsrdb.workspace = true\n"));
        assert!(uses("[dev-dependencies]\nsrdb = { path = \"../srdb\" }\n"));
        // Other crates of the workspace are not the facade.
        assert!(!uses("[dependencies]\nsrdb-key.workspace = true\nsrdb-engine = \"0.1\"\n"));
        // Only the dependency sections count.
        assert!(!uses("[package]\nname = \"srdb\"\n[features]\nsrdb = []\n"));
        assert!(!uses("[dependencies]\n# srdb.workspace = true\n"));
    }

    #[test]
    fn a_hash_inside_a_string_is_not_a_comment() {
        assert_eq!(strip_comment(r##"name = "a#b" # c"##), r##"name = "a#b" "##);
        assert_eq!(
            string_value(strip_comment(r##"name = "a#b" # c"##).trim(), "name").as_deref(),
            Some("a#b")
        );
    }

    #[test]
    fn other_keys_are_not_names() {
        assert_eq!(string_value(r#"names = "x""#, "name"), None);
        assert_eq!(string_value(r#"name = x"#, "name"), None);
    }

    #[test]
    fn reads_a_members_list_over_several_lines() {
        let text = r#"
[package]
members = ["not-this"]

[workspace]
resolver = "2"
members = [
    "crates/*", # the engine
    "xtask",
]
"#;
        assert_eq!(members_list(text), Some(vec!["crates/*".to_string(), "xtask".to_string()]));
        assert_eq!(members_list("[workspace]\nresolver = \"2\"\n"), None);
    }

    #[test]
    fn finds_the_members_of_this_repository() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is in the root");
        let members = workspace_members(root).expect("the workspace manifest is readable");
        let find = |name: &str| {
            members.iter().find(|m| m.package.name == name).expect("a member of the workspace")
        };
        let key = find("srdb-key");
        assert!(key.under_crates && key.package.has_lib && !key.package.has_bin);
        let cli = find("srdb-cli");
        assert!(cli.under_crates && cli.package.has_bin && !cli.package.has_lib);
        let xtask = find("xtask");
        assert!(!xtask.under_crates && xtask.package.has_bin);
    }
}
