//! Checks a struct and writes its `TableSchema` impl.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use srdb_schema::{Field, FieldType, Schema, MAX_COMMENT_BYTES, MAX_FIELDS, RESERVED_NAMES};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{
    parse_quote, Data, DeriveInput, Fields, GenericArgument, LitStr, Path, PathArguments, Type,
};

use crate::attrs::{ContainerAttrs, MemberAttrs};

/// Types that serde writes as a struct, which no field type holds, and that
/// `as_nanos` writes as the nanoseconds their field type holds.
const NANOS_TYPES: [&str; 3] = ["Duration", "SystemTime", "OffsetDateTime"];

/// The impl of `TableSchema` for `input`, or every error found in it.
pub fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let container = ContainerAttrs::parse(&input.attrs)?;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "derive(Schema) does not support generic structs: the fields of a table have one type each",
        ));
    }
    let members = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => &named.named,
            _ => return Err(not_a_table(input)),
        },
        _ => return Err(not_a_table(input)),
    };
    let krate = container.krate.unwrap_or_else(|| parse_quote!(::srdb));

    let mut errors: Option<syn::Error> = None;
    let mut add_error = |error: syn::Error| match &mut errors {
        Some(all) => all.combine(error),
        None => errors = Some(error),
    };
    let mut names = HashSet::new();
    let mut columns = Vec::new();
    let mut fields = Vec::new();
    let mut checks = Vec::new();
    for member in members {
        match field_of(member, &krate) {
            Ok(MemberRole::Skipped) => {}
            Ok(MemberRole::RowColumn(column)) => columns.push(column),
            Ok(MemberRole::Field(field)) => {
                if !names.insert(field.name.clone()) {
                    add_error(syn::Error::new(
                        field.name_span,
                        format!(
                            "two members are the field `{}`: field names must differ",
                            field.name
                        ),
                    ));
                }
                fields.push(field.expr);
                checks.extend(field.check);
            }
            Err(error) => add_error(error),
        }
    }
    if fields.len() > MAX_FIELDS {
        add_error(syn::Error::new(
            input.ident.span(),
            format!(
                "the struct has {} fields, more than the {MAX_FIELDS} a schema may have",
                fields.len()
            ),
        ));
    }
    let has_columns = columns.contains(&"_seq") && columns.contains(&"_time");
    if let (Some(span), false) = (container.deny_unknown_fields, has_columns) {
        add_error(syn::Error::new(
            span,
            "every row read from a table has `_seq` and `_time`, which `serde(deny_unknown_fields)` would refuse: give the struct `#[srdb(seq)]` and `#[srdb(time)]` members, or drop it",
        ));
    }
    if let Some(errors) = errors {
        return Err(errors);
    }

    let ident = &input.ident;
    Ok(quote! {
        impl #krate::TableSchema for #ident {
            fn schema() -> ::core::result::Result<#krate::Schema, #krate::SchemaError> {
                #(#checks)*
                #krate::Schema::new(::std::vec![#(#fields),*])
            }
        }
    })
}

fn not_a_table(input: &DeriveInput) -> syn::Error {
    syn::Error::new(
        input.ident.span(),
        "derive(Schema) works on structs with named fields: each member is a field of the table",
    )
}

/// One field of the schema, as code.
struct GeneratedField {
    name: String,
    name_span: Span,
    /// An expression of type `Field`.
    expr: TokenStream,
    /// A compile-time check that only the field's Rust type can settle.
    check: Option<TokenStream>,
}

/// A member of the struct, as a row holds it.
struct Member<'a> {
    attrs: MemberAttrs,
    /// The name serde writes it under.
    name: String,
    name_span: Span,
    ty: &'a Type,
    /// `T` for an `Option<T>`, else `ty`.
    value_ty: &'a Type,
    is_option: bool,
}

/// What a member is to the schema.
enum MemberRole {
    /// One of its fields.
    Field(GeneratedField),
    /// The row's `_seq` or `_time`.
    RowColumn(&'static str),
    /// Nothing: serde does not write it.
    Skipped,
}

/// What a member is to the schema, or why it cannot be a field.
fn field_of(member: &syn::Field, krate: &Path) -> syn::Result<MemberRole> {
    let attrs = MemberAttrs::parse(&member.attrs)?;
    if is_skipped(&attrs)? {
        return Ok(MemberRole::Skipped);
    }
    let (name, name_span) = row_name(member, &attrs)?;
    let (value_ty, is_option) = match option_inner(&member.ty) {
        Some(inner) => (inner, true),
        None => (&member.ty, false),
    };
    let member = Member { attrs, name, name_span, ty: &member.ty, value_ty, is_option };
    check_serde_form(&member, krate)?;
    if let Some(column) = row_column(&member)? {
        return Ok(MemberRole::RowColumn(column));
    }
    check_field(&member)?;
    Ok(MemberRole::Field(generate(member, krate)))
}

/// Whether the member is left out by `srdb(skip)` or by serde.
fn is_skipped(attrs: &MemberAttrs) -> syn::Result<bool> {
    if attrs.skip {
        only_with(attrs, "skip")?;
        return Ok(true);
    }
    match (attrs.serde.skip, attrs.keys.first()) {
        (true, Some((key, span))) => Err(syn::Error::new(
            *span,
            format!("serde does not write this member, so it is no field of the schema and `{key}` has no effect"),
        )),
        (skip, _) => Ok(skip),
    }
}

/// Refuses srdb keys beside `marker` (but `rename`): a member that is no
/// field has no constraints.
fn only_with(attrs: &MemberAttrs, marker: &str) -> syn::Result<()> {
    match attrs.keys.iter().find(|(key, _)| *key != marker && *key != "rename") {
        Some((key, span)) => Err(syn::Error::new(
            *span,
            format!("`{key}` cannot be combined with `{marker}`, which makes the member no field of the schema"),
        )),
        None => Ok(()),
    }
}

/// The name serde writes the member under, which the field must have.
fn row_name(member: &syn::Field, attrs: &MemberAttrs) -> syn::Result<(String, Span)> {
    let ident = member.ident.as_ref().expect("named fields have names");
    match (&attrs.rename, &attrs.serde.rename) {
        (Some(ours), Some(serde)) if ours.value() != serde.value() => Err(syn::Error::new(
            ours.span(),
            format!(
                "`srdb(rename = \"{}\")` and `serde(rename = \"{}\")` disagree: the field must be named as serde writes it",
                ours.value(),
                serde.value()
            ),
        )),
        (Some(name), _) | (None, Some(name)) => Ok((name.value(), name.span())),
        (None, None) => Ok((ident.unraw().to_string(), ident.span())),
    }
}

/// Refuses types whose serde form no field type holds, unless a `with`
/// gives them another.
fn check_serde_form(member: &Member<'_>, krate: &Path) -> syn::Result<()> {
    let nanos_type =
        last_ident(member.value_ty).filter(|name| NANOS_TYPES.contains(&name.as_str()));
    match (nanos_type, member.attrs.serde.with) {
        (Some(type_name), false) => Err(syn::Error::new_spanned(
            member.ty,
            format!(
                "serde writes a `{type_name}` as a struct, which no field type holds: add `#[serde(with = \"{}::as_nanos\")]` to store it as nanoseconds",
                path_text(krate)
            ),
        )),
        _ => Ok(()),
    }
}

/// The row's `_seq` or `_time` if the member holds it (`srdb(seq)`,
/// `srdb(time)`), checking that it can.
fn row_column(member: &Member<'_>) -> syn::Result<Option<&'static str>> {
    for (marker, column) in [("seq", "_seq"), ("time", "_time")] {
        if member.attrs.span_of(marker).is_none() {
            continue;
        }
        only_with(&member.attrs, marker)?;
        if member.name != column {
            return Err(syn::Error::new(
                member.name_span,
                format!("a `srdb({marker})` member holds the row's `{column}`, so serde must write it under that name: add `#[serde(rename = \"{column}\")]`"),
            ));
        }
        if marker == "seq" && !member.is_option {
            return Err(syn::Error::new_spanned(
                member.ty,
                "the table assigns `_seq` when a row is inserted, so a `srdb(seq)` member must be an `Option` (`None` when inserting)",
            ));
        }
        return Ok(Some(column));
    }
    Ok(None)
}

/// The checks of the schema builder that the derive can make: the name,
/// the comment, and attributes that cannot go together.
fn check_field(member: &Member<'_>) -> syn::Result<()> {
    let (name, attrs) = (&member.name, &member.attrs);
    if RESERVED_NAMES.contains(&name.as_str()) {
        return Err(syn::Error::new(
            member.name_span,
            format!("`{name}` is reserved: every row has `_seq` and `_time`; mark the member `#[srdb({})]` to read the row's own", &name[1..]),
        ));
    }
    // The builder's own check of the name (length, characters).
    if let Err(e) = Schema::new(vec![Field::new(name.clone(), FieldType::Bool)]) {
        return Err(syn::Error::new(member.name_span, e.to_string()));
    }
    if let (Some(span), false, None) = (attrs.span_of("nullable"), member.is_option, attrs.ty) {
        return Err(syn::Error::new(
            span,
            "`nullable` needs an `Option`: this member's type cannot hold the NULLs a nullable field may have; write `Option<T>`",
        ));
    }
    if let (Some(span), Some(_)) = (attrs.span_of("required"), &attrs.default) {
        return Err(syn::Error::new(
            span,
            "`required` and `default` conflict: a required field's default would never be used",
        ));
    }
    let comment_bytes = attrs.comment.as_ref().map_or(attrs.doc.len(), |c| c.value().len());
    if comment_bytes > MAX_COMMENT_BYTES {
        let span = attrs.comment.as_ref().map_or(member.name_span, LitStr::span);
        return Err(syn::Error::new(
            span,
            format!(
                "the comment has {comment_bytes} bytes, more than the limit of {MAX_COMMENT_BYTES}"
            ),
        ));
    }
    if let (Some(ty), Some(span)) = (attrs.ty, index_span(attrs)) {
        if !ty.is_indexable() {
            return Err(syn::Error::new(span, format!("a field of type {ty} cannot be indexed")));
        }
    }
    Ok(())
}

/// Where `unique` or `indexed` was given, if either was.
fn index_span(attrs: &MemberAttrs) -> Option<Span> {
    attrs.span_of("unique").or(attrs.span_of("indexed"))
}

/// The `Field` expression of a checked member, and the check of its
/// indexability when only its Rust type knows its field type.
fn generate(member: Member<'_>, krate: &Path) -> GeneratedField {
    let Member { attrs, name, name_span, value_ty, is_option, .. } = member;
    let mut check = None;
    let field_type = match attrs.ty {
        Some(ty) => {
            let variant = format_ident!("{ty:?}");
            quote!(#krate::FieldType::#variant)
        }
        None => {
            let field_type = quote_spanned! {value_ty.span()=>
                <#value_ty as #krate::DefaultFieldType>::FIELD_TYPE
            };
            if let Some(span) = index_span(&attrs) {
                let message = format!("the field `{name}` is indexed, but its type (object or array) cannot be indexed");
                check = Some(quote_spanned! {span=>
                    const _: () = ::core::assert!(
                        !::core::matches!(#field_type, #krate::FieldType::Object | #krate::FieldType::Array),
                        #message
                    );
                });
            }
            field_type
        }
    };

    let mut expr = quote!(#krate::Field::new(#name, #field_type));
    if is_option || attrs.nullable {
        expr = quote!(#expr.nullable());
    }
    for (set, method) in
        [(attrs.required, "required"), (attrs.unique, "unique"), (attrs.indexed, "indexed")]
    {
        if set {
            let method = format_ident!("{method}");
            expr = quote!(#expr.#method());
        }
    }
    if let Some(default) = &attrs.default {
        expr = quote!(#expr.default_value(#default));
    }
    let comment = attrs.comment.as_ref().map_or(attrs.doc, LitStr::value);
    if !comment.is_empty() {
        expr = quote!(#expr.comment(#comment));
    }
    GeneratedField { name, name_span, expr, check }
}

/// `T` if `ty` is `Option<T>` (by name: the derive cannot see through
/// aliases).
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match (last.ident == "Option", args.args.len(), args.args.first()) {
        (true, 1, Some(GenericArgument::Type(inner))) => Some(inner),
        _ => None,
    }
}

/// The last identifier of a type's path: `Duration` for
/// `std::time::Duration`.
fn last_ident(ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    path.path.segments.last().map(|segment| segment.ident.to_string())
}

/// A path as a person writes it: `srdb`, `srdb_schema`, `my::reexport`.
fn path_text(path: &Path) -> String {
    let segments: Vec<String> =
        path.segments.iter().map(|s| s.ident.to_token_stream().to_string()).collect();
    segments.join("::")
}
