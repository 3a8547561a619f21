//! The model file: a short text header naming the feature configuration, the segmenter's
//! dictionary (jieba's `word freq` lines: the words found in the training corpus), then the
//! weights as little-endian `f32`s, one per hashed bucket and fixed feature.
//!
//! `calibration SCALE OFFSET` (optional; 1 0 when absent) maps the linear model's logit to the
//! calibrated one: the score is `sigmoid(SCALE × logit + OFFSET)` (Platt scaling, fitted on
//! held-out folds of the training corpus by `train::train`).
//!
//! ```text
//! xiaodian-sentiment 1
//! bits 18
//! ngram_max 2
//! words 1
//! calibration 0.61 -0.02
//! # any comment lines (training options, corpus size)
//! dictionary 379990
//! <379990 bytes of `word freq` lines>
//! weights 262155
//! <262155 × 4 bytes>
//! ```

use super::features::{FeatureConfig, Features};

/// The first line of every model file.
pub const MAGIC: &str = "xiaodian-sentiment 1";
/// Buckets are `2^bits` with bits in this range.
pub const BITS_MIN: u8 = 8;
pub const BITS_MAX: u8 = 24;
/// Character n-grams are at most this long.
pub const NGRAM_MAX: u8 = 5;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModelError {
    #[error("not a sentiment model (the first line is not `{MAGIC}`)")]
    Magic,
    #[error("header line {line}: {reason}")]
    Header { line: usize, reason: String },
    #[error("the header ends without a `weights N` line")]
    NoWeights,
    #[error("{expected} weights declared, {found} bytes of weights found")]
    WeightCount { expected: usize, found: usize },
    #[error("weight {index} is not a finite number")]
    NotFinite { index: usize },
    #[error("the dictionary is not usable: {0}")]
    Dictionary(String),
}

/// A linear model over the features of `config`.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub config: FeatureConfig,
    /// `config.dimension()` weights: hashed buckets, then the fixed features.
    pub weights: Vec<f32>,
    /// The segmenter's dictionary, jieba's format (`word freq` per line).
    pub dictionary: String,
    /// Comment lines written into the header (how the model was trained).
    pub notes: Vec<String>,
    /// Platt scaling of the logit.
    pub calibration: Calibration,
}

/// `scale × logit + offset`: the calibrated logit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calibration {
    pub scale: f32,
    pub offset: f32,
}

impl Calibration {
    pub const IDENTITY: Calibration = Calibration { scale: 1.0, offset: 0.0 };

    pub fn apply(&self, logit: f32) -> f32 {
        self.scale * logit + self.offset
    }
}

/// The dictionary of a model that knows no words: one entry no text contains.
pub const EMPTY_DICTIONARY: &str = "\u{E000} 1\n";

impl Model {
    /// A model whose every weight is zero: it answers 0.5 for everything.
    pub fn zero(config: FeatureConfig) -> Self {
        Model {
            config,
            weights: vec![0.0; config.dimension()],
            dictionary: EMPTY_DICTIONARY.to_owned(),
            notes: Vec::new(),
            calibration: Calibration::IDENTITY,
        }
    }

    /// The logit (log-odds of positive) of these features.
    pub fn logit(&self, features: &Features) -> f32 {
        let hashed: f32 = features.hashed.iter().map(|&index| self.weights[index as usize]).sum();
        let offset = 1usize << self.config.bits;
        let fixed: f32 =
            features.fixed.iter().map(|&(index, value)| self.weights[offset + index as usize] * value).sum();
        hashed * features.hashed_value() + fixed
    }

    /// A short fingerprint of what the model computes (configuration, calibration, weights and
    /// dictionary): FNV-1a 64 of its file, in hex. A domain layer names the model it was fitted on.
    pub fn fingerprint(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in &self.to_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{h:016x}")
    }

    /// The weight of a fixed feature (`features::FIXED_*`).
    pub fn fixed_weight(&self, index: u32) -> f32 {
        self.weights[(1usize << self.config.bits) + index as usize]
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::new();
        out.push_str(MAGIC);
        out.push('\n');
        out.push_str(&format!("bits {}\n", self.config.bits));
        out.push_str(&format!("ngram_max {}\n", self.config.ngram_max));
        out.push_str(&format!("words {}\n", u8::from(self.config.words)));
        if self.calibration != Calibration::IDENTITY {
            // `Display` of an `f32` is the shortest text that reads back as the same number.
            out.push_str(&format!("calibration {} {}\n", self.calibration.scale, self.calibration.offset));
        }
        for note in &self.notes {
            out.push_str("# ");
            out.push_str(&note.replace('\n', " "));
            out.push('\n');
        }
        out.push_str(&format!("dictionary {}\n", self.dictionary.len()));
        out.push_str(&self.dictionary);
        out.push_str(&format!("weights {}\n", self.weights.len()));
        let mut bytes = out.into_bytes();
        bytes.reserve(self.weights.len() * 4);
        for weight in &self.weights {
            bytes.extend_from_slice(&weight.to_le_bytes());
        }
        bytes
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        let mut rest = bytes;
        let mut line_number = 0usize;
        let next_line = |rest: &mut &[u8]| -> Option<String> {
            let end = rest.iter().position(|&b| b == b'\n')?;
            let line = String::from_utf8_lossy(&rest[..end]).into_owned();
            *rest = &rest[end + 1..];
            Some(line)
        };
        if next_line(&mut rest).as_deref() != Some(MAGIC) {
            return Err(ModelError::Magic);
        }
        let (mut bits, mut ngram_max, mut words, mut dictionary) = (None, None, None, None);
        let mut notes = Vec::new();
        let mut calibration = Calibration::IDENTITY;
        let count = loop {
            line_number += 1;
            let line = next_line(&mut rest).ok_or(ModelError::NoWeights)?;
            let header =
                |reason: &str| ModelError::Header { line: line_number + 1, reason: reason.to_owned() };
            if let Some(note) = line.strip_prefix('#') {
                notes.push(note.trim().to_owned());
                continue;
            }
            let (key, value) = line.split_once(' ').ok_or_else(|| header("expected `key value`"))?;
            if key == "calibration" {
                let numbers: Vec<f32> = value.split(' ').filter_map(|part| part.parse().ok()).collect();
                match numbers[..] {
                    [scale, offset] if scale.is_finite() && offset.is_finite() && scale > 0.0 => {
                        calibration = Calibration { scale, offset };
                    }
                    _ => return Err(header("`calibration` takes a positive scale and an offset")),
                }
                continue;
            }
            let number: usize = value.trim().parse().map_err(|_| header("the value is not a number"))?;
            match key {
                "bits" => bits = Some(number),
                "ngram_max" => ngram_max = Some(number),
                "words" => words = Some(number),
                "dictionary" => {
                    if number > rest.len() {
                        return Err(header("the dictionary is longer than the file"));
                    }
                    let text = std::str::from_utf8(&rest[..number])
                        .map_err(|_| header("the dictionary is not UTF-8"))?;
                    dictionary = Some(text.to_owned());
                    rest = &rest[number..];
                }
                "weights" => break number,
                _ => return Err(header(&format!("unknown key `{key}`"))),
            }
        };
        let header = |reason: &str| ModelError::Header { line: line_number + 1, reason: reason.to_owned() };
        let bits = bits.ok_or_else(|| header("no `bits` line"))?;
        if !(BITS_MIN as usize..=BITS_MAX as usize).contains(&bits) {
            return Err(header(&format!("bits must lie in {BITS_MIN}..={BITS_MAX}")));
        }
        let ngram_max = ngram_max.ok_or_else(|| header("no `ngram_max` line"))?;
        if ngram_max > NGRAM_MAX as usize {
            return Err(header(&format!("ngram_max must be at most {NGRAM_MAX}")));
        }
        let words = match words {
            Some(0) => false,
            Some(1) => true,
            _ => return Err(header("`words` must be 0 or 1")),
        };
        let config = FeatureConfig { bits: bits as u8, ngram_max: ngram_max as u8, words };
        let dictionary = dictionary.ok_or_else(|| header("no `dictionary` section"))?;
        if count != config.dimension() || rest.len() != count * 4 {
            return Err(ModelError::WeightCount { expected: config.dimension(), found: rest.len() });
        }
        let mut weights = Vec::with_capacity(count);
        for (index, chunk) in rest.chunks_exact(4).enumerate() {
            let weight = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            if !weight.is_finite() {
                return Err(ModelError::NotFinite { index });
            }
            weights.push(weight);
        }
        Ok(Model { config, weights, dictionary, notes, calibration })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Model {
        let config = FeatureConfig { bits: 8, ngram_max: 2, words: false };
        let mut model = Model::zero(config);
        for (index, weight) in model.weights.iter_mut().enumerate() {
            *weight = index as f32 * 0.25 - 3.0;
        }
        model.notes.push("trained on nothing".to_owned());
        model.dictionary = "好 100\n好用 20\n".to_owned();
        model.calibration = Calibration { scale: 0.612_345_7, offset: -0.1 };
        model
    }

    #[test]
    fn round_trip() {
        let model = small();
        let bytes = model.to_bytes();
        assert_eq!(Model::from_bytes(&bytes), Ok(model));
    }

    #[test]
    fn refuses_damaged_files() {
        let bytes = small().to_bytes();
        assert_eq!(Model::from_bytes(b"hello\n"), Err(ModelError::Magic));
        assert!(matches!(Model::from_bytes(&bytes[..bytes.len() - 1]), Err(ModelError::WeightCount { .. })));
        let text = String::from_utf8_lossy(&bytes[..40]).replace("bits 8", "bits 99");
        let mut damaged = text.into_bytes();
        damaged.extend_from_slice(&bytes[40..]);
        assert!(matches!(Model::from_bytes(&damaged), Err(ModelError::Header { .. })));
        let mut nan = bytes.clone();
        let at = nan.len() - 4;
        nan[at..].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(matches!(Model::from_bytes(&nan), Err(ModelError::NotFinite { .. })));
        assert_eq!(Model::from_bytes(format!("{MAGIC}\nbits 8\n").as_bytes()), Err(ModelError::NoWeights));
        let text = String::from_utf8_lossy(&bytes[..80]).replace("calibration 0.6123457", "calibration -1");
        let mut damaged = text.into_bytes();
        damaged.extend_from_slice(&bytes[80..]);
        assert!(matches!(Model::from_bytes(&damaged), Err(ModelError::Header { .. })));
    }
}
