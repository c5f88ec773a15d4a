//! The order-preserving encoding of decimals.
//!
//! A non-zero decimal is written in scientific form `± 0.d1 d2 ... dk × 10^E`
//! with `d1 != 0` and `dk != 0` (trailing zeros dropped, so `1.5` and `1.50`
//! are one value, as [`srdb_schema::Value`]'s order says):
//!
//! ```text
//! negative  01  (255 - (E + 128))  (255 - (d + 1))...  FF
//! zero      02
//! positive  03  (E + 128)          (d + 1)...          00
//! ```
//!
//! Positive numbers compare by exponent, then digit by digit; a number whose
//! digits are a prefix of another's is smaller, which the terminator `00`
//! (below every digit byte `01..=0A`) gives. Negative numbers are the mirror
//! image: every byte after the sign is inverted, and the terminator `FF`
//! sorts after every inverted digit. `E` lies in `-27..=29` for the decimals
//! `rust_decimal` holds (96-bit mantissa, scale 0 to 28), so `E + 128` fits a
//! byte with room to spare.

use srdb_schema::Decimal;

use crate::IndexError;

const SIGN_NEGATIVE: u8 = 0x01;
const SIGN_ZERO: u8 = 0x02;
const SIGN_POSITIVE: u8 = 0x03;
const EXPONENT_BIAS: i32 = 128;
const END_POSITIVE: u8 = 0x00;
const END_NEGATIVE: u8 = 0xFF;
/// Most significant digits of a decimal: a 96-bit mantissa has at most 29.
const MAX_DIGITS: usize = 29;

/// Appends the encoding of `d`.
pub(crate) fn encode(d: Decimal, out: &mut Vec<u8>) {
    let mantissa = d.mantissa();
    if mantissa == 0 {
        out.push(SIGN_ZERO);
        return;
    }
    let mut digits = mantissa.unsigned_abs().to_string().into_bytes();
    let written = digits.len() as i32;
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    let trailing_zeros = written - digits.len() as i32;
    let exponent = digits.len() as i32 + trailing_zeros - d.scale() as i32;
    let exponent_byte = u8::try_from(exponent + EXPONENT_BIAS)
        .expect("decimal exponents lie in -27..=29, far inside a biased byte");
    let negative = mantissa < 0;
    let flip = |b: u8| if negative { !b } else { b };
    out.push(if negative { SIGN_NEGATIVE } else { SIGN_POSITIVE });
    out.push(flip(exponent_byte));
    out.extend(digits.iter().map(|&c| flip(c - b'0' + 1)));
    out.push(if negative { END_NEGATIVE } else { END_POSITIVE });
}

/// Decodes a decimal at the start of `bytes` (which begin at `offset` in
/// the key); returns it and the number of bytes read. Only the bytes that
/// [`encode`] writes are accepted, so every decoded key re-encodes to itself.
pub(crate) fn decode(bytes: &[u8], offset: usize) -> Result<(Decimal, usize), IndexError> {
    let corrupt = |at: usize, reason: &str| IndexError::corrupt(offset + at, reason);
    let negative = match bytes.first() {
        Some(&SIGN_ZERO) => return Ok((Decimal::ZERO, 1)),
        Some(&SIGN_NEGATIVE) => true,
        Some(&SIGN_POSITIVE) => false,
        Some(_) => return Err(corrupt(0, "a decimal's sign byte is not 01, 02 or 03")),
        None => return Err(corrupt(0, "the key ends before a decimal")),
    };
    let flip = |b: u8| if negative { !b } else { b };
    let end = if negative { END_NEGATIVE } else { END_POSITIVE };
    let exponent_byte = *bytes.get(1).ok_or_else(|| corrupt(1, "the key ends in a decimal"))?;
    let exponent = i32::from(flip(exponent_byte)) - EXPONENT_BIAS;
    let mut mantissa: i128 = 0;
    let mut count = 0usize;
    let mut at = 2;
    loop {
        let byte = *bytes.get(at).ok_or_else(|| corrupt(at, "the key ends in a decimal"))?;
        if byte == end {
            break;
        }
        let digit = flip(byte).wrapping_sub(1);
        if digit > 9 {
            return Err(corrupt(at, "a decimal digit byte is out of range"));
        }
        if count == 0 && digit == 0 {
            return Err(corrupt(at, "a decimal's first digit is zero"));
        }
        count += 1;
        if count > MAX_DIGITS {
            return Err(corrupt(at, "a decimal has more than 29 digits"));
        }
        mantissa = mantissa * 10 + i128::from(digit);
        at += 1;
    }
    if count == 0 {
        return Err(corrupt(at, "a non-zero decimal has no digits"));
    }
    if mantissa % 10 == 0 {
        return Err(corrupt(at - 1, "a decimal's last digit is zero"));
    }
    // value = 0.d1..dk × 10^E = mantissa × 10^(E - k)
    let power = exponent - count as i32;
    let (mantissa, scale) = if power >= 0 {
        let factor = 10i128
            .checked_pow(power as u32)
            .ok_or_else(|| corrupt(1, "a decimal's exponent is out of range"))?;
        let scaled = mantissa
            .checked_mul(factor)
            .ok_or_else(|| corrupt(1, "a decimal's exponent is out of range"))?;
        (scaled, 0)
    } else {
        (mantissa, power.unsigned_abs())
    };
    let signed = if negative { -mantissa } else { mantissa };
    let value = Decimal::try_from_i128_with_scale(signed, scale)
        .map_err(|_| corrupt(1, "the decimal does not fit 96 bits and 28 decimal places"))?;
    Ok((value, at + 1))
}
