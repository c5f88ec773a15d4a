//! The attributes `#[derive(Schema)]` reads: its own `#[srdb(...)]`, doc
//! comments, and the `#[serde(...)]` ones that decide a member's name in a
//! row and whether serde writes it at all.

use proc_macro2::Span;
use srdb_schema::FieldType;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Meta, Path, Token};

/// `#[srdb(...)]` on the struct.
#[derive(Default)]
pub struct ContainerAttrs {
    /// `crate = "path"`: where the generated code finds srdb's items.
    pub krate: Option<Path>,
    /// Where `serde(deny_unknown_fields)` was given, if it was.
    pub deny_unknown_fields: Option<Span>,
}

impl ContainerAttrs {
    /// Reads the struct's attributes, refusing serde container attributes
    /// that make serde write something other than one entry per member.
    pub fn parse(attrs: &[Attribute]) -> syn::Result<ContainerAttrs> {
        let mut container = ContainerAttrs::default();
        for attr in attrs {
            if attr.path().is_ident("srdb") {
                attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("crate") && container.krate.is_none() {
                        container.krate = Some(meta.value()?.parse::<LitStr>()?.parse()?);
                        Ok(())
                    } else if meta.path.is_ident("crate") {
                        Err(meta.error("`crate` is given twice"))
                    } else {
                        Err(meta.error(
                            "unknown srdb struct attribute: the struct takes only `crate = \"...\"`; field attributes go on the fields",
                        ))
                    }
                })?;
            } else if attr.path().is_ident("serde") {
                attr.parse_nested_meta(|meta| {
                    let refused = ["rename_all", "transparent", "into", "tag"];
                    match refused.iter().find(|name| meta.path.is_ident(name)) {
                        Some(name) => Err(meta.error(format!(
                            "derive(Schema) does not support `serde({name})`: the schema takes one field per member under its own name; rename members one by one with `serde(rename = \"...\")`",
                        ))),
                        None if meta.path.is_ident("deny_unknown_fields") => {
                            container.deny_unknown_fields = Some(meta.path.segments[0].ident.span());
                            Ok(())
                        }
                        None => skip_value(&meta),
                    }
                })?;
            }
        }
        Ok(container)
    }
}

/// What serde does with one member, as far as the schema is concerned.
#[derive(Default)]
pub struct SerdeMember {
    /// `serde(rename = "...")`.
    pub rename: Option<LitStr>,
    /// `serde(skip)` or `serde(skip_serializing)`: rows never hold the member.
    pub skip: bool,
    /// `serde(with = ...)` or `serde(serialize_with = ...)`.
    pub with: bool,
}

/// Everything said about one member.
#[derive(Default)]
pub struct MemberAttrs {
    /// Each `srdb(...)` key given, with its span, in order.
    pub keys: Vec<(&'static str, Span)>,
    pub nullable: bool,
    pub required: bool,
    pub unique: bool,
    pub indexed: bool,
    pub skip: bool,
    pub seq: bool,
    pub time: bool,
    pub default: Option<Expr>,
    pub comment: Option<LitStr>,
    pub rename: Option<LitStr>,
    pub ty: Option<FieldType>,
    /// The doc comment, lines joined with `\n`, or empty.
    pub doc: String,
    pub serde: SerdeMember,
}

/// The keys of `srdb(...)` on a member.
const MEMBER_KEYS: [&str; 11] = [
    "nullable", "required", "unique", "indexed", "skip", "seq", "time", "default", "comment",
    "rename", "type",
];

impl MemberAttrs {
    /// Reads a member's attributes.
    pub fn parse(attrs: &[Attribute]) -> syn::Result<MemberAttrs> {
        let mut member = MemberAttrs::default();
        let mut doc_lines = Vec::new();
        for attr in attrs {
            if attr.path().is_ident("srdb") {
                attr.parse_nested_meta(|meta| member.parse_srdb(&meta))?;
            } else if attr.path().is_ident("serde") {
                attr.parse_nested_meta(|meta| member.serde.parse(&meta))?;
            } else if let Meta::NameValue(doc) = &attr.meta {
                if let (true, Expr::Lit(ExprLit { lit: Lit::Str(line), .. })) =
                    (doc.path.is_ident("doc"), &doc.value)
                {
                    let line = line.value();
                    doc_lines.push(line.strip_prefix(' ').unwrap_or(&line).trim_end().to_owned());
                }
            }
        }
        member.doc = doc_lines.join("\n").trim().to_owned();
        Ok(member)
    }

    fn parse_srdb(&mut self, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let Some(key) = MEMBER_KEYS.into_iter().find(|key| meta.path.is_ident(key)) else {
            return Err(meta.error(format!(
                "unknown srdb field attribute; the attributes are {}",
                MEMBER_KEYS.join(", ")
            )));
        };
        if self.keys.iter().any(|(given, _)| *given == key) {
            return Err(meta.error(format!("`{key}` is given twice")));
        }
        self.keys.push((key, meta.path.segments[0].ident.span()));
        match key {
            "nullable" => self.nullable = true,
            "required" => self.required = true,
            "unique" => self.unique = true,
            "indexed" => self.indexed = true,
            "skip" => self.skip = true,
            "seq" => self.seq = true,
            "time" => self.time = true,
            "default" => self.default = Some(meta.value()?.parse()?),
            "comment" => self.comment = Some(meta.value()?.parse()?),
            "rename" => self.rename = Some(meta.value()?.parse()?),
            _ => {
                let name: LitStr = meta.value()?.parse()?;
                let ty = FieldType::ALL.into_iter().find(|ty| ty.name() == name.value());
                self.ty = Some(ty.ok_or_else(|| {
                    let names = FieldType::ALL.map(FieldType::name).join(", ");
                    syn::Error::new(
                        name.span(),
                        format!("`{}` is not a field type; the types are {names}", name.value()),
                    )
                })?);
            }
        }
        Ok(())
    }

    /// The span of `key` if it was given.
    pub fn span_of(&self, key: &str) -> Option<Span> {
        self.keys.iter().find(|(given, _)| *given == key).map(|(_, span)| *span)
    }
}

impl SerdeMember {
    fn parse(&mut self, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        if meta.path.is_ident("rename") {
            if !meta.input.peek(Token![=]) {
                return Err(meta.error(
                    "derive(Schema) needs one name for both directions: use `serde(rename = \"...\")`",
                ));
            }
            self.rename = Some(meta.value()?.parse()?);
            Ok(())
        } else if meta.path.is_ident("flatten") {
            Err(meta.error(
                "derive(Schema) does not support `serde(flatten)`: each member is one field of the table",
            ))
        } else {
            if meta.path.is_ident("skip") || meta.path.is_ident("skip_serializing") {
                self.skip = true;
            }
            if meta.path.is_ident("with") || meta.path.is_ident("serialize_with") {
                self.with = true;
            }
            skip_value(meta)
        }
    }
}

/// Consumes whatever follows a serde key that the schema does not depend
/// on: `= value`, `(...)` or nothing.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}
