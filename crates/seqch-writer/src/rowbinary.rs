//! RowBinary encoding of seqch's rows (the bytes the writer batches, spools and sends), and the
//! column schema a row implies, checked once per table against the server's `DESCRIBE TABLE`.

use serde::Serialize;
use serde::ser::{self, Impossible};

/// The wire type of a column, as the row's Rust type implies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    U8,
    U16,
    U32,
    U64,
    I8,
    I16,
    I32,
    I64,
    F32,
    F64,
    Bool,
    Str,
    Nullable,
}

impl Kind {
    /// Whether a column the server describes as `ty` takes this wire type.
    pub fn fits(self, ty: &str) -> bool {
        let ty = without_low_cardinality(ty);
        match self {
            Kind::U8 => ty == "UInt8",
            Kind::U16 => ty == "UInt16",
            Kind::U32 => ty == "UInt32",
            Kind::U64 => ty == "UInt64",
            Kind::I8 => ty == "Int8" || ty.starts_with("Enum8("),
            Kind::I16 => ty == "Int16" || ty.starts_with("Enum16("),
            Kind::I32 => ty == "Int32",
            Kind::I64 => ty == "Int64",
            Kind::F32 => ty == "Float32",
            Kind::F64 => ty == "Float64",
            Kind::Bool => ty == "Bool",
            Kind::Str => ty == "String",
            Kind::Nullable => ty.starts_with("Nullable("),
        }
    }
}

/// A `LowCardinality(T)` column's values travel as `T`.
fn without_low_cardinality(ty: &str) -> &str {
    ty.strip_prefix("LowCardinality(")
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(ty)
}

/// The INSERT that takes a batch of RowBinary rows of `columns` (comma-separated, as a batch
/// names them) into `table`, given the table's described (name, type) columns.
///
/// The rows are read by `input()` as the columns' types with `LowCardinality` removed, and
/// converted on insert. Read straight into a `LowCardinality` column, RowBinary costs the server
/// a temporary column per value: for the agent tables that tripled the server's CPU per insert.
pub fn insert_statement(
    table: &str,
    columns: &str,
    described: &[(String, String)],
) -> Result<String, String> {
    let mut structure = String::new();
    for name in columns.split(',') {
        let Some((_, ty)) = described.iter().find(|(n, _)| n == name) else {
            return Err(format!("the table has no column `{name}`"));
        };
        if !structure.is_empty() {
            structure.push_str(", ");
        }
        structure.push_str(&format!("`{name}` {}", without_low_cardinality(ty)));
    }
    // A string literal: Enum types hold quotes.
    let structure = structure.replace('\\', "\\\\").replace('\'', "\\'");
    Ok(format!(
        "INSERT INTO {table} ({columns}) SELECT * FROM input('{structure}') FORMAT RowBinary"
    ))
}

/// Encoding failed: the row has a shape RowBinary of seqch's tables does not use.
#[derive(Debug, thiserror::Error)]
#[error("cannot encode row: {0}")]
pub struct EncodeError(String);

impl ser::Error for EncodeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        EncodeError(msg.to_string())
    }
}

/// Appends the RowBinary encoding of `row` to `out`.
pub fn encode<R: Serialize>(row: &R, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    row.serialize(&mut Encoder { out, columns: () })
}

/// The columns (name, wire type) of a row type, in order.
pub fn schema<R: Serialize>(row: &R) -> Result<Vec<(&'static str, Kind)>, EncodeError> {
    let mut encoder = Encoder {
        out: &mut Vec::new(),
        columns: Learned::default(),
    };
    row.serialize(&mut encoder)?;
    Ok(encoder.columns.columns)
}

/// Compares a row's schema with the server's `DESCRIBE TABLE` (name, type) rows, ignoring
/// columns the row does not send (they must have defaults on the server).
pub fn check(schema: &[(&str, Kind)], described: &[(String, String)]) -> Result<(), String> {
    for (name, kind) in schema {
        match described.iter().find(|(n, _)| n == name) {
            None => return Err(format!("the table has no column `{name}`")),
            Some((_, ty)) if !kind.fits(ty) => {
                return Err(format!("column `{name}` is {ty}, the row sends {kind:?}"));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// What an encoder learns besides the bytes: nothing when it encodes rows to send (so that
/// costs nothing), the columns when it learns a row type's schema.
trait Columns {
    /// The next value is column `name`.
    fn column(&mut self, name: &'static str);
    /// A value of this wire type; only a column's first (outermost) one says the column's type.
    fn value(&mut self, kind: Kind);
}

impl Columns for () {
    #[inline]
    fn column(&mut self, _: &'static str) {}
    #[inline]
    fn value(&mut self, _: Kind) {}
}

#[derive(Default)]
struct Learned {
    columns: Vec<(&'static str, Kind)>,
    next: Option<&'static str>,
}

impl Columns for Learned {
    fn column(&mut self, name: &'static str) {
        self.next = Some(name);
    }

    fn value(&mut self, kind: Kind) {
        // The inner value of a Nullable is part of its column, not a column of its own.
        if let Some(name) = self.next.take() {
            self.columns.push((name, kind));
        }
    }
}

struct Encoder<'a, C> {
    out: &'a mut Vec<u8>,
    columns: C,
}

impl<C: Columns> Encoder<'_, C> {
    #[inline]
    fn note(&mut self, kind: Kind) {
        self.columns.value(kind);
    }

    #[inline]
    fn varint(&mut self, mut n: u64) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.out.push(byte);
                return;
            }
            self.out.push(byte | 0x80);
        }
    }
}

macro_rules! fixed {
    ($($method:ident($ty:ty) => $kind:ident),* $(,)?) => {
        $(#[inline]
        fn $method(self, v: $ty) -> Result<(), EncodeError> {
            self.note(Kind::$kind);
            self.out.extend_from_slice(&v.to_le_bytes());
            Ok(())
        })*
    };
}

macro_rules! unsupported {
    ($($method:ident($($arg:ty),*) -> $ret:ty),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ret, EncodeError> {
            Err(EncodeError(concat!("unsupported: ", stringify!($method)).into()))
        })*
    };
}

impl<C: Columns> ser::Serializer for &mut Encoder<'_, C> {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = Impossible<(), EncodeError>;
    type SerializeTuple = Impossible<(), EncodeError>;
    type SerializeTupleStruct = Impossible<(), EncodeError>;
    type SerializeTupleVariant = Impossible<(), EncodeError>;
    type SerializeMap = Impossible<(), EncodeError>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), EncodeError>;

    fixed! {
        serialize_u8(u8) => U8, serialize_u16(u16) => U16, serialize_u32(u32) => U32, serialize_u64(u64) => U64,
        serialize_i8(i8) => I8, serialize_i16(i16) => I16, serialize_i32(i32) => I32, serialize_i64(i64) => I64,
        serialize_f32(f32) => F32, serialize_f64(f64) => F64,
    }

    #[inline]
    fn serialize_bool(self, v: bool) -> Result<(), EncodeError> {
        self.note(Kind::Bool);
        self.out.push(u8::from(v));
        Ok(())
    }

    #[inline]
    fn serialize_str(self, v: &str) -> Result<(), EncodeError> {
        self.note(Kind::Str);
        self.varint(v.len() as u64);
        self.out.extend_from_slice(v.as_bytes());
        Ok(())
    }

    #[inline]
    fn serialize_none(self) -> Result<(), EncodeError> {
        self.note(Kind::Nullable);
        self.out.push(1);
        Ok(())
    }

    #[inline]
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<(), EncodeError> {
        self.note(Kind::Nullable);
        self.out.push(0);
        v.serialize(&mut *self)
    }

    #[inline]
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, EncodeError> {
        Ok(self)
    }

    unsupported! {
        serialize_char(char) -> (), serialize_bytes(&[u8]) -> (), serialize_unit() -> (),
        serialize_unit_struct(&'static str) -> (),
        serialize_unit_variant(&'static str, u32, &'static str) -> (),
        serialize_seq(Option<usize>) -> Self::SerializeSeq, serialize_tuple(usize) -> Self::SerializeTuple,
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct,
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant,
        serialize_map(Option<usize>) -> Self::SerializeMap,
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant,
    }

    #[inline]
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), EncodeError> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), EncodeError> {
        Err(EncodeError("unsupported: enum".into()))
    }
}

impl<C: Columns> ser::SerializeStruct for &mut Encoder<'_, C> {
    type Ok = ();
    type Error = EncodeError;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        self.columns.column(key);
        value.serialize(&mut **self)
    }

    #[inline]
    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seqch_rows::MemEvent;

    #[test]
    fn encodes_rowbinary_and_captures_the_schema() {
        let row = MemEvent {
            ts_ms: 1,
            dur_us: 2,
            ok: true,
            session_id: "s",
            event_id: "é",
            content_hash: "",
            name: "n",
            subject: None,
        };
        let mut out = Vec::new();
        encode(&row, &mut out).unwrap();
        let mut want = vec![
            1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 1, b's', 2, 0xc3, 0xa9, 0, 1, b'n',
            1,
        ];
        assert_eq!(out, want);
        encode(
            &MemEvent {
                subject: Some("x"),
                ..row.clone()
            },
            &mut out,
        )
        .unwrap();
        want.extend_from_slice(&[
            1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 1, b's', 2, 0xc3, 0xa9, 0, 1, b'n',
            0, 1, b'x',
        ]);
        assert_eq!(out, want);
        let s = schema(&row).unwrap();
        assert_eq!(s.len(), 8);
        assert_eq!(s[2], ("ok", Kind::Bool));
        assert_eq!(s[7], ("subject", Kind::Nullable));
    }

    #[test]
    fn long_strings_get_a_varint_length() {
        let mut e = Vec::new();
        let s = "x".repeat(300);
        serde::Serialize::serialize(
            &s,
            &mut Encoder {
                out: &mut e,
                columns: (),
            },
        )
        .unwrap();
        assert_eq!(&e[..2], &[0xac, 0x02]);
        assert_eq!(e.len(), 302);
    }

    #[test]
    fn schema_check_names_the_mismatch() {
        let described = vec![
            ("a".to_owned(), "LowCardinality(String)".to_owned()),
            ("b".to_owned(), "Enum8('x' = 0)".to_owned()),
        ];
        assert!(check(&[("a", Kind::Str), ("b", Kind::I8)], &described).is_ok());
        assert!(
            check(&[("a", Kind::U8)], &described)
                .unwrap_err()
                .contains("column `a` is LowCardinality(String)")
        );
        assert!(
            check(&[("c", Kind::Str)], &described)
                .unwrap_err()
                .contains("no column `c`")
        );
    }

    #[test]
    fn the_insert_reads_low_cardinality_columns_as_their_inner_type() {
        let described = vec![
            ("ts".to_owned(), "UInt64".to_owned()),
            ("a".to_owned(), "LowCardinality(String)".to_owned()),
            ("b".to_owned(), "Enum8('x' = 0, 'it\\'s' = 1)".to_owned()),
            (
                "c".to_owned(),
                "LowCardinality(Nullable(String))".to_owned(),
            ),
        ];
        assert_eq!(
            insert_statement("db.t", "a,ts,b,c", &described).unwrap(),
            "INSERT INTO db.t (a,ts,b,c) SELECT * FROM input('`a` String, `ts` UInt64, \
             `b` Enum8(\\'x\\' = 0, \\'it\\\\\\'s\\' = 1), `c` Nullable(String)') FORMAT RowBinary"
        );
        assert_eq!(
            insert_statement("db.t", "a,d", &described).unwrap_err(),
            "the table has no column `d`"
        );
    }
}
