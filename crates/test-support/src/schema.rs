//! JSON Schema for the API fuzzer: checks an answer against the schema the OpenAPI document gives
//! it, and makes request bodies that the document's schema accepts.
//!
//! Only the part of JSON Schema 2020-12 that `schemars` writes is understood (`$ref` into
//! `#/components/schemas`, `type`, `properties`, `required`, `additionalProperties`, `items`,
//! `anyOf`/`oneOf`/`allOf`, `enum`, `const`, `minimum`/`maximum`, `minLength`/`maxLength`); a
//! keyword outside it is reported, never ignored, so a schema the checker cannot read fails loudly.

use serde_json::{Map, Value, json};

/// Keywords that only describe (they never refuse a value).
const DESCRIPTIVE: [&str; 8] =
    ["description", "title", "format", "default", "examples", "example", "deprecated", "$schema"];

/// The schema a `$ref` names, or the schema itself.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> Result<&'a Value, String> {
    match schema.get("$ref").and_then(Value::as_str) {
        None => Ok(schema),
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .ok_or_else(|| format!("{reference} is not a component"))?;
            let target = &document["components"]["schemas"][name];
            if target.is_null() {
                return Err(format!("{reference} names no schema"));
            }
            resolve(document, target)
        }
    }
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => false,
    }
}

/// Why `value` does not conform to `schema`, or `Ok` when it does; `at` names where in the answer.
pub fn check(document: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if schema == &Value::Bool(true) {
        return Ok(());
    }
    let schema = resolve(document, schema)?;
    let Some(keywords) = schema.as_object() else {
        return Err(format!("{at}: the schema {schema} is not an object"));
    };
    for (keyword, rule) in keywords {
        match keyword.as_str() {
            "$ref" => {}
            "type" => {
                let names: Vec<&str> = match rule {
                    Value::String(name) => vec![name.as_str()],
                    Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
                    _ => return Err(format!("{at}: type {rule} is not understood")),
                };
                if !names.iter().any(|name| type_matches(name, value)) {
                    return Err(format!("{at}: {} is not of type {rule}", short(value)));
                }
            }
            "properties" => {
                let (Some(fields), Some(properties)) = (value.as_object(), rule.as_object()) else {
                    continue;
                };
                for (name, property) in properties {
                    if let Some(field) = fields.get(name) {
                        check(document, property, field, &format!("{at}.{name}"))?;
                    }
                }
            }
            "required" => {
                let Some(fields) = value.as_object() else { continue };
                for name in rule.as_array().into_iter().flatten().filter_map(Value::as_str) {
                    if !fields.contains_key(name) {
                        return Err(format!("{at}: the field {name} is missing"));
                    }
                }
            }
            "additionalProperties" => {
                let Some(fields) = value.as_object() else { continue };
                let known = keywords.get("properties").and_then(Value::as_object);
                for (name, field) in fields {
                    if known.is_some_and(|known| known.contains_key(name)) {
                        continue;
                    }
                    if rule == &Value::Bool(false) {
                        return Err(format!("{at}: the field {name} is not in the schema"));
                    }
                    check(document, rule, field, &format!("{at}.{name}"))?;
                }
            }
            "items" => {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    check(document, rule, item, &format!("{at}[{i}]"))?;
                }
            }
            "anyOf" | "oneOf" => {
                let choices = rule.as_array().ok_or_else(|| format!("{at}: {keyword} is not a list"))?;
                let fits = choices.iter().filter(|choice| check(document, choice, value, at).is_ok()).count();
                let conforms = if keyword == "oneOf" { fits == 1 } else { fits >= 1 };
                if !conforms {
                    return Err(format!("{at}: {} fits {fits} of the {keyword} choices", short(value)));
                }
            }
            "allOf" => {
                for choice in rule.as_array().into_iter().flatten() {
                    check(document, choice, value, at)?;
                }
            }
            "enum" => {
                if !rule.as_array().is_some_and(|values| values.contains(value)) {
                    return Err(format!("{at}: {} is not one of {rule}", short(value)));
                }
            }
            "const" => {
                if rule != value {
                    return Err(format!("{at}: {} is not {rule}", short(value)));
                }
            }
            "minimum" | "maximum" => {
                let (Some(number), Some(bound)) = (value.as_f64(), rule.as_f64()) else { continue };
                if (keyword == "minimum" && number < bound) || (keyword == "maximum" && number > bound) {
                    return Err(format!("{at}: {number} is beyond the {keyword} {bound}"));
                }
            }
            "minLength" | "maxLength" => {
                let (Some(text), Some(bound)) = (value.as_str(), rule.as_u64()) else { continue };
                let length = text.chars().count() as u64;
                if (keyword == "minLength" && length < bound) || (keyword == "maxLength" && length > bound) {
                    return Err(format!(
                        "{at}: a text of {length} characters is beyond the {keyword} {bound}"
                    ));
                }
            }
            keyword if DESCRIPTIVE.contains(&keyword) => {}
            keyword => return Err(format!("{at}: the schema keyword {keyword} is not understood")),
        }
    }
    Ok(())
}

fn short(value: &Value) -> String {
    value.to_string().chars().take(120).collect()
}

/// A value `schema` accepts: `full` fills every property, otherwise only the required ones.
/// Strings, numbers and lists take plain typical values; `example` (the document's example of
/// the whole body, when there is one) gives the value of a field it names.
pub fn sample(document: &Value, schema: &Value, example: &Value, full: bool, depth: usize) -> Value {
    let Ok(schema) = resolve(document, schema) else { return Value::Null };
    if let Some(value) = schema.get("const") {
        return value.clone();
    }
    if let Some(first) = schema.get("enum").and_then(Value::as_array).and_then(|values| values.first()) {
        return first.clone();
    }
    if let Some(choices) = schema.get("anyOf").or_else(|| schema.get("oneOf")).and_then(Value::as_array) {
        let choice = choices.iter().find(|c| c.get("type") != Some(&json!("null"))).or(choices.first());
        return choice.map_or(Value::Null, |choice| sample(document, choice, example, full, depth));
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(name)) => vec![name.as_str()],
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        _ => vec!["object"],
    };
    let kind = types.iter().copied().find(|name| *name != "null").unwrap_or("null");
    match kind {
        "object" if depth < 6 => {
            let mut fields = Map::new();
            let required: Vec<&str> =
                schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                if !(full || required.contains(&name.as_str())) {
                    continue;
                }
                let value = match example.get(name) {
                    Some(given) if check(document, property, given, name).is_ok() => given.clone(),
                    _ => sample(document, property, &Value::Null, full, depth + 1),
                };
                fields.insert(name.clone(), value);
            }
            Value::Object(fields)
        }
        "object" => json!({}),
        "array" => {
            let item = sample(document, &schema["items"], &Value::Null, full, depth + 1);
            if full { json!([item]) } else { json!([]) }
        }
        "string" => {
            let length = schema["minLength"].as_u64().unwrap_or(1).max(1) as usize;
            json!("测".repeat(length))
        }
        "integer" => json!(schema["minimum"].as_i64().unwrap_or(1).max(1)),
        "number" => json!(1.0),
        "boolean" => json!(full),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> Value {
        json!({ "components": { "schemas": {
            "Refund": {
                "type": "object",
                "required": ["id", "status", "reasons"],
                "properties": {
                    "id": { "type": "integer", "format": "int64" },
                    "status": { "type": "string" },
                    "paid_fen": { "type": ["integer", "null"] },
                    "reasons": { "type": "array", "items": { "type": "string" } },
                },
                "additionalProperties": false,
            },
            "Page": {
                "type": "object",
                "properties": {
                    "items": { "type": "array", "items": { "$ref": "#/components/schemas/Refund" } },
                    "next_cursor": { "anyOf": [{ "type": "string" }, { "type": "null" }] },
                },
                "required": ["items"],
            },
        }}})
    }

    #[test]
    fn an_answer_is_held_to_its_schema() {
        let document = document();
        let page = json!({ "$ref": "#/components/schemas/Page" });
        let good = json!({ "items": [{ "id": 1, "status": "paid", "paid_fen": null, "reasons": [] }], "next_cursor": null });
        assert_eq!(check(&document, &page, &good, "answer"), Ok(()));
        let cases = [
            (
                json!({ "items": [{ "id": "1", "status": "paid", "reasons": [] }] }),
                "answer.items[0].id: \"1\" is not of type \"integer\"",
            ),
            (
                json!({ "items": [{ "id": 1, "reasons": [] }] }),
                "answer.items[0]: the field status is missing",
            ),
            (
                json!({ "items": [{ "id": 1, "status": "x", "reasons": [], "extra": 1 }] }),
                "answer.items[0]: the field extra is not in the schema",
            ),
            (json!({ "items": [], "next_cursor": 5 }), "answer.next_cursor: 5 fits 0 of the anyOf choices"),
            (json!({}), "answer: the field items is missing"),
        ];
        for (value, why) in cases {
            assert_eq!(check(&document, &page, &value, "answer"), Err(why.to_owned()), "{value}");
        }
        let unknown = json!({ "patternProperties": {} });
        assert!(check(&document, &unknown, &json!({}), "x").unwrap_err().contains("not understood"));
        let dangling = json!({ "$ref": "#/components/schemas/Nope" });
        assert!(check(&document, &dangling, &json!({}), "x").is_err());
    }

    #[test]
    fn samples_fit_their_schema() {
        let document = document();
        let refund = json!({ "$ref": "#/components/schemas/Refund" });
        for full in [false, true] {
            let value =
                sample(&document, &refund, &json!({ "status": "paid", "id": "not a number" }), full, 0);
            assert_eq!(check(&document, &refund, &value, "sample"), Ok(()), "{value}");
            assert_eq!(value["status"], "paid");
            assert_eq!(value["id"], 1);
            assert_eq!(value.get("paid_fen").is_some(), full);
        }
    }
}
