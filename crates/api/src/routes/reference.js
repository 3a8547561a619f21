"use strict";
const text = (tag, content, className) => {
  const element = document.createElement(tag);
  element.textContent = content;
  if (className) element.className = className;
  return element;
};
const schemaOf = (content) => Object.entries(content || {}).map(([type, media]) =>
  type + "\n" + JSON.stringify(media.schema, null, 2) + (media.example ? "\n示例 example:\n" + JSON.stringify(media.example, null, 2) : "")
).join("\n\n");
function operation(path, method, op) {
  const details = document.createElement("details");
  details.dataset.search = (path + " " + op.summary + " " + (op.tags || []).join(" ")).toLowerCase();
  const summary = document.createElement("summary");
  summary.append(text("span", method, "method " + method), text("code", path), text("span", op.summary));
  details.append(summary);
  const body = document.createElement("div");
  body.className = "body";
  const who = op["x-roles"] ? "角色 roles: " + op["x-roles"].join(", ") : "无需登录 no login";
  const rights = op["x-team-rights"] ? " · 团队权限 team rights: " + op["x-team-rights"].join(", ") : "";
  body.append(text("p", who + rights, "meta"));
  const parameters = (op.parameters || []).map((p) => p.in + " " + p.name + (p.required ? " (必填 required)" : ""));
  if (parameters.length) body.append(text("p", "参数 parameters: " + parameters.join(", "), "meta"));
  if (op.requestBody) {
    body.append(text("h4", "请求 Request"), text("pre", schemaOf(op.requestBody.content)));
  }
  for (const [status, response] of Object.entries(op.responses || {})) {
    body.append(text("h4", (status === "default" ? "错误 Errors" : status) + " · " + response.description));
    if (response.content) body.append(text("pre", schemaOf(response.content)));
  }
  details.append(body);
  return details;
}
function render(document_) {
  const main = document.getElementById("reference");
  main.replaceChildren();
  const byTag = new Map();
  for (const [path, operations] of Object.entries(document_.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const tag = (op.tags || ["other"])[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operation(path, method, op));
    }
  }
  for (const [tag, items] of [...byTag.entries()].sort()) {
    const section = document.createElement("section");
    section.append(text("h2", tag), ...items);
    main.append(section);
  }
  const schemas = document.createElement("section");
  schemas.append(text("h2", "模式 Schemas"));
  for (const [name, schema] of Object.entries(document_.components.schemas).sort()) {
    const details = document.createElement("details");
    details.id = "schema-" + name;
    details.dataset.search = name.toLowerCase();
    details.append(text("summary", name), text("pre", JSON.stringify(schema, null, 2)));
    schemas.append(details);
  }
  main.append(schemas);
}
document.getElementById("filter").addEventListener("input", (event) => {
  const needle = event.target.value.trim().toLowerCase();
  for (const item of document.querySelectorAll("details")) {
    item.hidden = needle !== "" && !item.dataset.search.includes(needle);
  }
});
fetch("/api/openapi.json").then((answer) => answer.json()).then(render).catch((error) => {
  document.getElementById("reference").replaceChildren(text("p", "无法加载 API 文档 The document did not load: " + error));
});
