//! A deployment's domain layer on top of the shipped model, fitted from labelled comments (the
//! merchants' corrections, or an operator's own labelled rows).
//!
//! The layer is a second logistic regression over the shipped model's calibrated logit `c` and
//! its features `x`: `u = scale × c + Σ delta_j x_j`, starting from `scale = 1`, `delta = 0` (the
//! shipped model unchanged) and pulled back there by an L2 penalty, so a few hundred examples
//! move the model only as far as they show it wrong; the bias feature's delta is the layer's
//! offset. Because `c` is itself linear in `x`, the layer folds into a model of the same shape
//! (`Layer::apply`: each weight `scale × A × w_j + delta_j`, calibration `1, scale × B`), so the
//! adapted classifier costs exactly what the shipped one does per comment.
//!
//! Neutral corrections are examples with target 0.5. Fitting is deterministic (a seeded order).
//! The layer file records the fingerprint of the model it was fitted on; it refuses any other.

use super::Classifier;
use super::features::{FIXED_BIAS, Features};
use super::model::{Calibration, Model};
use super::train::sigmoid;

/// The first line of a layer file.
pub const MAGIC: &str = "xiaodian-sentiment-layer 1";

/// A labelled example: the text and the probability it is positive (1, 0, or 0.5 for neutral).
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    pub text: String,
    pub target: f32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LayerError {
    #[error("not a sentiment layer (the first line is not `{MAGIC}`)")]
    Magic,
    #[error("the layer file is damaged: {0}")]
    Damaged(&'static str),
    #[error("the layer was fitted on model {layer}, not on this model ({model})")]
    OtherModel { layer: String, model: String },
}

/// A fitted domain layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// `Model::fingerprint` of the model it was fitted on.
    pub base: String,
    /// The factor on the base model's calibrated logit.
    pub scale: f32,
    /// Changes to the weights, by index in the base model's weight vector (hashed buckets, then
    /// fixed features), ascending, none zero.
    pub deltas: Vec<(u32, f32)>,
}

impl Layer {
    /// The model the layer makes of `base` (whose fingerprint it must carry).
    pub fn apply(&self, base: &Model) -> Result<Model, LayerError> {
        let fingerprint = base.fingerprint();
        if fingerprint != self.base {
            return Err(LayerError::OtherModel { layer: self.base.clone(), model: fingerprint });
        }
        let factor = self.scale * base.calibration.scale;
        let mut model = base.clone();
        for weight in &mut model.weights {
            *weight *= factor;
        }
        for &(index, delta) in &self.deltas {
            let weight = model.weights.get_mut(index as usize).ok_or(LayerError::Damaged("delta index"))?;
            *weight += delta;
        }
        model.calibration = Calibration { scale: 1.0, offset: self.scale * base.calibration.offset };
        model.notes.push(format!(
            "adapted: layer of {} weight changes, scale {}",
            self.deltas.len(),
            self.scale
        ));
        Ok(model)
    }

    /// `MAGIC`, `base HEX`, `scale X`, `deltas N`, then N × (u32 index, f32 delta) little-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let header =
            format!("{MAGIC}\nbase {}\nscale {}\ndeltas {}\n", self.base, self.scale, self.deltas.len());
        let mut bytes = header.into_bytes();
        for &(index, delta) in &self.deltas {
            bytes.extend_from_slice(&index.to_le_bytes());
            bytes.extend_from_slice(&delta.to_le_bytes());
        }
        bytes
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, LayerError> {
        let mut rest = bytes;
        let mut line = || -> Option<&str> {
            let end = rest.iter().position(|&b| b == b'\n')?;
            let text = std::str::from_utf8(&rest[..end]).ok();
            rest = &rest[end + 1..];
            text
        };
        if line() != Some(MAGIC) {
            return Err(LayerError::Magic);
        }
        let base =
            line().and_then(|l| l.strip_prefix("base ")).ok_or(LayerError::Damaged("base"))?.to_owned();
        let scale: f32 = line()
            .and_then(|l| l.strip_prefix("scale "))
            .and_then(|v| v.parse().ok())
            .filter(|s: &f32| s.is_finite())
            .ok_or(LayerError::Damaged("scale"))?;
        let count: usize = line()
            .and_then(|l| l.strip_prefix("deltas "))
            .and_then(|v| v.parse().ok())
            .ok_or(LayerError::Damaged("deltas"))?;
        if rest.len() != count.saturating_mul(8) {
            return Err(LayerError::Damaged("delta count"));
        }
        let mut deltas = Vec::with_capacity(count);
        for chunk in rest.chunks_exact(8) {
            let index = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            let delta = f32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
            if !delta.is_finite() {
                return Err(LayerError::Damaged("a delta is not a finite number"));
            }
            deltas.push((index, delta));
        }
        Ok(Layer { base, scale, deltas })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AdaptOptions {
    /// Passes over the examples.
    pub epochs: u32,
    /// AdaGrad's step size.
    pub learning_rate: f32,
    /// L2 strength pulling the layer back to the shipped model (per example seen).
    pub l2: f32,
    /// Seed of the example order.
    pub seed: u64,
    /// Folds of the cross-validation `cross_validate` reports.
    pub folds: usize,
}

impl Default for AdaptOptions {
    fn default() -> Self {
        AdaptOptions { epochs: 10, learning_rate: 0.1, l2: 1e-3, seed: 11, folds: 5 }
    }
}

/// An example as the fit sees it: the base model's features and calibrated logit.
struct Prepared {
    hashed: Vec<u32>,
    value: f32,
    fixed: Vec<(u32, f32)>,
    logit: f32,
    target: f32,
}

fn prepare(base: &Classifier, examples: &[Example]) -> Vec<Prepared> {
    let mut features = Features::default();
    examples
        .iter()
        .map(|example| {
            base.features(&example.text, &mut features);
            let logit = base.model().calibration.apply(base.model().logit(&features));
            Prepared {
                hashed: features.hashed.clone(),
                value: features.hashed_value(),
                fixed: features.fixed.clone(),
                logit,
                target: example.target.clamp(0.0, 1.0),
            }
        })
        .collect()
}

/// Fits the layer on all examples.
pub fn fit(base: &Classifier, examples: &[Example], options: &AdaptOptions) -> Layer {
    let prepared = prepare(base, examples);
    let indices: Vec<usize> = (0..prepared.len()).collect();
    fit_prepared(base.model(), &prepared, &indices, options)
}

fn fit_prepared(base: &Model, data: &[Prepared], indices: &[usize], options: &AdaptOptions) -> Layer {
    let dimension = base.weights.len();
    let offset = 1usize << base.config.bits;
    let mut deltas = vec![0f32; dimension];
    let mut squares = vec![0f32; dimension];
    let (mut scale, mut scale_square) = (1f32, 0f32);
    let positives: f32 = indices.iter().map(|&i| data[i].target).sum::<f32>().max(0.5);
    let negatives = (indices.len() as f32 - positives).max(0.5);
    let total = indices.len() as f32;
    let (weight_positive, weight_negative) = (total / (2.0 * positives), total / (2.0 * negatives));
    let mut order = indices.to_vec();
    let mut random = super::train::SplitMix::new(options.seed);
    for _ in 0..options.epochs {
        super::train::shuffle(&mut order, &mut random);
        for &i in &order {
            let example = &data[i];
            let mut u = scale * example.logit;
            u += example.hashed.iter().map(|&h| deltas[h as usize]).sum::<f32>() * example.value;
            u += example.fixed.iter().map(|&(f, v)| deltas[offset + f as usize] * v).sum::<f32>();
            let p = sigmoid(u);
            let t = example.target;
            let class_weight = t * weight_positive + (1.0 - t) * weight_negative;
            let error = (p - t) * class_weight;
            let gradient = error * example.logit + options.l2 * (scale - 1.0);
            scale_square += gradient * gradient;
            scale -= options.learning_rate * gradient / (scale_square.sqrt() + 1e-6);
            let mut step = |index: usize, x: f32| {
                let mut gradient = error * x;
                if index != offset + FIXED_BIAS as usize {
                    gradient += options.l2 * deltas[index];
                }
                squares[index] += gradient * gradient;
                deltas[index] -= options.learning_rate * gradient / (squares[index].sqrt() + 1e-6);
            };
            for &h in &example.hashed {
                step(h as usize, example.value);
            }
            for &(f, v) in &example.fixed {
                step(offset + f as usize, v);
            }
        }
    }
    let deltas = deltas
        .iter()
        .enumerate()
        .filter(|(_, delta)| **delta != 0.0)
        .map(|(index, &delta)| (index as u32, delta))
        .collect();
    Layer { base: base.fingerprint(), scale: scale.max(1e-3), deltas }
}

/// Cross-validated accuracy of the adapted and of the base model on the same examples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Validation {
    pub folds: usize,
    /// Accuracy (score ≥ 0.5 against the label) over the positive and negative examples of the
    /// held-out folds, each fold's layer fitted on the other folds.
    pub adapted: f64,
    /// The base model's accuracy on the same examples.
    pub base: f64,
}

/// `options.folds`-fold cross-validation (at most one fold per example); `None` when fewer than
/// two folds can be formed or no example is positive or negative.
pub fn cross_validate(base: &Classifier, examples: &[Example], options: &AdaptOptions) -> Option<Validation> {
    let folds = options.folds.min(examples.len());
    if folds < 2 {
        return None;
    }
    let data = prepare(base, examples);
    let fold_of = super::train::fold_of(data.len(), folds, options.seed);
    let (mut adapted, mut plain, mut counted) = (0usize, 0usize, 0usize);
    for fold in 0..folds {
        let (test, train): (Vec<usize>, Vec<usize>) = (0..data.len()).partition(|&i| fold_of[i] == fold);
        let layer = fit_prepared(base.model(), &data, &train, options);
        let model = layer.apply(base.model()).ok()?;
        for i in test {
            let example = &data[i];
            if example.target == 0.5 {
                continue;
            }
            let positive = example.target > 0.5;
            let features = Features::new(example.hashed.clone(), example.fixed.clone());
            let u = model.calibration.apply(model.logit(&features));
            adapted += usize::from((u >= 0.0) == positive);
            plain += usize::from((example.logit >= 0.0) == positive);
            counted += 1;
        }
    }
    (counted > 0).then(|| Validation {
        folds,
        adapted: adapted as f64 / counted as f64,
        base: plain as f64 / counted as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layer_round_trips_and_refuses_damage() {
        let layer = Layer { base: "00ff".to_owned(), scale: 0.75, deltas: vec![(3, 0.5), (9, -1.25)] };
        let bytes = layer.to_bytes();
        assert_eq!(Layer::from_bytes(&bytes), Ok(layer));
        assert_eq!(Layer::from_bytes(b"hello\n"), Err(LayerError::Magic));
        assert!(Layer::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    fn a_layer_fitted_on_a_new_domain_learns_it_and_folds_into_the_model() {
        let base = Classifier::builtin().unwrap();
        // A made-up domain where a word the corpus never saw decides.
        let mut examples = Vec::new();
        for i in 0..40 {
            examples.push(Example { text: format!("第{i}次点的，咕噜咕噜"), target: 1.0 });
            examples.push(Example { text: format!("第{i}次点的，叽里呱啦"), target: 0.0 });
        }
        let options = AdaptOptions::default();
        let layer = fit(&base, &examples, &options);
        let adapted = Classifier::new(layer.apply(base.model()).unwrap()).unwrap();
        assert!(
            adapted.classify("又点了，咕噜咕噜").score > adapted.classify("又点了，叽里呱啦").score + 0.2
        );
        // The folded model scores what the layer says.
        let mut features = Features::default();
        base.features("好评，咕噜咕噜", &mut features);
        let c = base.model().calibration.apply(base.model().logit(&features));
        let offset = 1usize << base.model().config.bits;
        let delta: f32 = features
            .hashed
            .iter()
            .map(|&h| layer.deltas.iter().find(|d| d.0 == h).map_or(0.0, |d| d.1) * features.hashed_value())
            .chain(features.fixed.iter().map(|&(f, v)| {
                layer.deltas.iter().find(|d| d.0 as usize == offset + f as usize).map_or(0.0, |d| d.1) * v
            }))
            .sum();
        let expected = sigmoid(layer.scale * c + delta);
        assert!((adapted.classify("好评，咕噜咕噜").score - expected).abs() < 1e-4);
        let validation = cross_validate(&base, &examples, &options).unwrap();
        assert_eq!(validation.folds, 5);
        assert!(validation.adapted > validation.base, "{validation:?}");
        // Another model refuses the layer.
        let other = Model::zero(base.model().config);
        assert!(matches!(layer.apply(&other), Err(LayerError::OtherModel { .. })));
    }

    #[test]
    fn no_examples_no_change() {
        let base = Classifier::builtin().unwrap();
        let layer = fit(&base, &[], &AdaptOptions::default());
        assert!(layer.deltas.is_empty());
        assert_eq!(layer.scale, 1.0);
        let adapted = Classifier::new(layer.apply(base.model()).unwrap()).unwrap();
        for text in ["质量很好", "差评", "还行吧"] {
            assert!((adapted.classify(text).score - base.classify(text).score).abs() < 1e-5, "{text}");
        }
        assert_eq!(cross_validate(&base, &[], &AdaptOptions::default()), None);
    }
}
