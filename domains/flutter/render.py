"""One renderer per widget kind: (subject, variant) -> (instruction, Dart file, spec). See catalogue.py."""
from __future__ import annotations

from domains.flutter.catalogue import Subject, detail, fields_text, label, model_class, sample

MATERIAL = "import 'package:flutter/material.dart';\n"
PROVIDER = "import 'package:provider/provider.dart';\n"


def _spec(classes=(), widgets=(), fields=(), callbacks=(), routes=()) -> dict:
    return {"classes": list(classes), "widgets": list(widgets), "fields": list(fields),
            "callbacks": list(callbacks), "routes": list(routes)}


def stateless(s: Subject, v: int):
    cls = f"{s.name}Card"
    shell = ("Card", "Container", "Material")[v % 3]
    inner = (f"ListTile(\n        leading: const Icon(Icons.{s.icon}),\n        title: Text({label(s, s.name.lower())}),\n"
             f"        subtitle: Text({detail(s, s.name.lower())}),\n        onTap: onTap,\n      )")
    if shell == "Container":
        body = (f"Container(\n      padding: const EdgeInsets.all(12),\n      decoration: BoxDecoration(\n"
                f"        color: Colors.{s.colour}.shade50,\n        borderRadius: BorderRadius.circular(8),\n      ),\n"
                f"      child: {inner},\n    )")
    else:
        body = f"{shell}(\n      child: {inner},\n    )"
    code = (f"{MATERIAL}\n{model_class(s)}\nclass {cls} extends StatelessWidget {{\n"
            f"  const {cls}({{super.key, required this.{s.name.lower()}, this.onTap}});\n\n"
            f"  final {s.name} {s.name.lower()};\n  final VoidCallback? onTap;\n\n  @override\n"
            f"  Widget build(BuildContext context) {{\n    return {body};\n  }}\n}}\n")
    instr = (f"Write a stateless Flutter widget {cls} that shows one {s.name} ({fields_text(s)}) inside a {shell} "
             f"with a ListTile: the {s.fields[0][0]} as title, the other fields as subtitle, an Icons.{s.icon} "
             f"leading icon, and an optional onTap callback. Include the {s.name} model class.")
    return instr, code, _spec([cls, s.name], [shell, "ListTile"], [s.name.lower(), "onTap"], ["onTap"])


def stateful(s: Subject, v: int):
    cls = f"{s.name}Counter"
    button = ("IconButton", "ElevatedButton", "FloatingActionButton")[v % 3]
    make = {"IconButton": "IconButton(icon: const Icon(Icons.{i}), onPressed: {f})",
            "ElevatedButton": "ElevatedButton(onPressed: {f}, child: const Icon(Icons.{i}))",
            "FloatingActionButton": "FloatingActionButton(onPressed: {f}, child: const Icon(Icons.{i}))"}[button]
    code = (f"{MATERIAL}\nclass {cls} extends StatefulWidget {{\n  const {cls}({{super.key, this.limit = 10}});\n\n"
            f"  final int limit;\n\n  @override\n  State<{cls}> createState() => _{cls}State();\n}}\n\n"
            f"class _{cls}State extends State<{cls}> {{\n  int _count = 0;\n\n  void _increment() {{\n"
            f"    if (_count < widget.limit) {{\n      setState(() => _count++);\n    }}\n  }}\n\n"
            f"  void _decrement() {{\n    if (_count > 0) {{\n      setState(() => _count--);\n    }}\n  }}\n\n"
            f"  @override\n  Widget build(BuildContext context) {{\n    return Row(\n"
            f"      mainAxisAlignment: MainAxisAlignment.center,\n      children: [\n"
            f"        {make.format(i='remove', f='_decrement')},\n"
            f"        Text('$_count {s.plural}', style: Theme.of(context).textTheme.titleLarge),\n"
            f"        {make.format(i='add', f='_increment')},\n      ],\n    );\n  }}\n}}\n")
    instr = (f"Create a StatefulWidget {cls} that counts how many {s.plural} the user picked: a private int "
             f"_count changed with setState by _increment and _decrement methods wired to two {button}s "
             f"(onPressed), never below 0 or above a `limit` field (default 10), the count shown in a Text.")
    return instr, code, _spec([cls], [button, "Text"], ["_count", "limit"], ["_increment", "_decrement", "onPressed"])


def form(s: Subject, v: int):
    cls = f"{s.name}Form"
    fields = []
    for n, t, _ in s.fields:
        if t == "bool":
            continue
        check = ("(value) => value == null || value.trim().isEmpty ? 'Enter the {n}' : null" if t == "String" else
                 "(value) => {p}.tryParse(value ?? '') == null ? 'Enter a number' : null")
        fields.append((n, t, check.format(n=n, p="int" if t == "int" else "double")))
    ctrls = "\n".join(f"  final _{n}Controller = TextEditingController();" for n, _, _ in fields)
    disposes = "\n".join(f"    _{n}Controller.dispose();" for n, _, _ in fields)
    border = ("const OutlineInputBorder()", "const UnderlineInputBorder()", "InputBorder.none")[v % 3]
    inputs = "\n".join(
        f"          TextFormField(\n            controller: _{n}Controller,\n"
        f"            decoration: InputDecoration(labelText: '{n}', border: {border}),\n"
        + ("" if t == "String" else "            keyboardType: TextInputType.number,\n")
        + f"            validator: {chk},\n          ),"
        for n, t, chk in fields)
    build_args = ", ".join(
        f"{n}: _{n}Controller.text.trim()" if t == "String" else f"{n}: {t}.parse(_{n}Controller.text)"
        if any(n == f[0] for f in fields) else f"{n}: false" if t == "bool" else f"{n}: 0"
        for n, t, _ in s.fields)
    code = (f"{MATERIAL}\n{model_class(s)}\nclass {cls} extends StatefulWidget {{\n"
            f"  const {cls}({{super.key, required this.onSubmit}});\n\n  final ValueChanged<{s.name}> onSubmit;\n\n"
            f"  @override\n  State<{cls}> createState() => _{cls}State();\n}}\n\n"
            f"class _{cls}State extends State<{cls}> {{\n  final _formKey = GlobalKey<FormState>();\n{ctrls}\n\n"
            f"  @override\n  void dispose() {{\n{disposes}\n    super.dispose();\n  }}\n\n"
            f"  void _submit() {{\n    if (_formKey.currentState!.validate()) {{\n"
            f"      widget.onSubmit({s.name}({build_args}));\n    }}\n  }}\n\n"
            f"  @override\n  Widget build(BuildContext context) {{\n    return Form(\n      key: _formKey,\n"
            f"      child: Column(\n        children: [\n{inputs}\n"
            f"          ElevatedButton(onPressed: _submit, child: const Text('Save')),\n        ],\n      ),\n    );\n"
            f"  }}\n}}\n")
    names = ", ".join(n for n, _, _ in fields)
    look = ("an OutlineInputBorder", "an UnderlineInputBorder", "no border (InputBorder.none)")[v % 3]
    instr = (f"Build a Flutter form {cls} for a new {s.name} ({fields_text(s)}): a Form with a GlobalKey<FormState> "
             f"_formKey, one TextFormField with {look} and a validator per text or number field ({names}), and an "
             f"ElevatedButton whose onPressed runs _submit, which validates and passes the {s.name} to an "
             f"onSubmit callback (ValueChanged<{s.name}>). Include the {s.name} model class.")
    return instr, code, _spec([cls, s.name], ["Form", "TextFormField", "ElevatedButton"], ["_formKey", "onSubmit"],
                              ["validator", "onPressed", "_submit"])


def list_(s: Subject, v: int):
    cls = f"{s.name}ListView"
    var = s.name.lower()
    tile = (f"ListTile(\n          title: Text({label(s, var)}),\n          subtitle: Text({detail(s, var)}),\n"
            f"          onTap: () => onSelected({var}),\n        )")
    if v % 3 == 0:
        body = (f"ListView.builder(\n      itemCount: {s.plural}.length,\n      itemBuilder: (context, index) {{\n"
                f"        final {var} = {s.plural}[index];\n        return {tile};\n      }},\n    )")
        widgets = ["ListView", "ListTile"]
    elif v % 3 == 1:
        body = (f"ListView.separated(\n      itemCount: {s.plural}.length,\n"
                f"      separatorBuilder: (context, index) => const Divider(),\n      itemBuilder: (context, index) {{\n"
                f"        final {var} = {s.plural}[index];\n        return {tile};\n      }},\n    )")
        widgets = ["ListView", "ListTile", "Divider"]
    else:
        body = (f"ListView(\n      children: [\n        for (final {var} in {s.plural})\n"
                f"          Card(child: {tile.replace(chr(10) + '        ', chr(10) + '            ')}),\n      ],\n    )")
        widgets = ["ListView", "ListTile", "Card"]
    empty = f"    if ({s.plural}.isEmpty) {{\n      return const Center(child: Text('No {s.plural} yet'));\n    }}\n"
    code = (f"{MATERIAL}\n{model_class(s)}\nclass {cls} extends StatelessWidget {{\n"
            f"  const {cls}({{super.key, required this.{s.plural}, required this.onSelected}});\n\n"
            f"  final List<{s.name}> {s.plural};\n  final ValueChanged<{s.name}> onSelected;\n\n  @override\n"
            f"  Widget build(BuildContext context) {{\n{empty}    return {body};\n  }}\n}}\n")
    instr = (f"Write {cls}, a stateless widget listing {s.plural} (a List<{s.name}>; {s.name} has {fields_text(s)}) "
             f"with {' and '.join(widgets)}: the {s.fields[0][0]} as title, the rest as subtitle; tapping a row "
             f"calls onSelected (ValueChanged<{s.name}>); an empty list shows a centred 'No {s.plural} yet'.")
    return instr, code, _spec([cls, s.name], widgets, [s.plural, "onSelected"], ["onTap", "itemBuilder"]
                              if v % 3 != 2 else ["onTap"])


def navigation(s: Subject, v: int):
    route = f"/{s.plural}/detail"
    home, page = f"{s.name}HomeScreen", f"{s.name}DetailScreen"
    var = s.name.lower()
    count = 2 + v
    items = ",\n    ".join(sample(s, k) for k in range(count))
    push = (f"Navigator.pushNamed(context, '{route}', arguments: {var})" if v % 2 == 0 else
            f"Navigator.of(context).pushNamed('{route}', arguments: {var})")
    code = (f"{MATERIAL}\n{model_class(s)}\nconst sample{s.name}s = [\n    {items},\n];\n\n"
            f"class {s.name}App extends StatelessWidget {{\n  const {s.name}App({{super.key}});\n\n  @override\n"
            f"  Widget build(BuildContext context) {{\n    return MaterialApp(\n      initialRoute: '/',\n"
            f"      routes: {{\n        '/': (context) => const {home}(),\n        '{route}': (context) => const {page}(),\n"
            f"      }},\n    );\n  }}\n}}\n\n"
            f"class {home} extends StatelessWidget {{\n  const {home}({{super.key}});\n\n  @override\n"
            f"  Widget build(BuildContext context) {{\n    return Scaffold(\n      appBar: AppBar(title: const Text('{s.name}s')),\n"
            f"      body: ListView(\n        children: [\n          for (final {var} in sample{s.name}s)\n"
            f"            ListTile(\n              title: Text({label(s, var)}),\n"
            f"              onTap: () => {push},\n            ),\n        ],\n      ),\n    );\n  }}\n}}\n\n"
            f"class {page} extends StatelessWidget {{\n  const {page}({{super.key}});\n\n  @override\n"
            f"  Widget build(BuildContext context) {{\n"
            f"    final {var} = ModalRoute.of(context)!.settings.arguments as {s.name};\n    return Scaffold(\n"
            f"      appBar: AppBar(title: Text({label(s, var)})),\n      body: Padding(\n"
            f"        padding: const EdgeInsets.all(16),\n        child: Text({detail(s, var)}),\n      ),\n"
            f"    );\n  }}\n}}\n")
    instr = (f"Make a small Flutter app {s.name}App with two screens: {home} lists {count} sample {s.plural} "
             f"({fields_text(s)}) and, on tap, pushes the named route '{route}' with the {s.name} as argument "
             f"({'Navigator.pushNamed' if v % 2 == 0 else 'Navigator.of(context).pushNamed'}); "
             f"{page} reads it from ModalRoute and shows its fields. Register both routes in MaterialApp.routes.")
    return instr, code, _spec([f"{s.name}App", home, page, s.name], ["MaterialApp", "Scaffold", "AppBar", "ListTile"],
                              [], ["onTap", "routes"], [route])


def provider(s: Subject, v: int):
    model, view = f"{s.name}Catalog", f"{s.name}CatalogView"
    var = s.name.lower()
    reader = (f"Consumer<{model}>(\n      builder: (context, catalog, child) {{\n"
              f"        return ListView(\n          children: [\n            for (final {var} in catalog.items)\n"
              f"              ListTile(\n                title: Text({label(s, var)}),\n"
              f"                trailing: IconButton(\n                  icon: const Icon(Icons.delete),\n"
              f"                  onPressed: () => catalog.remove({var}),\n                ),\n              ),\n"
              f"          ],\n        );\n      }},\n    )")
    if v % 2:
        reader = reader.replace(f"Consumer<{model}>(\n      builder: (context, catalog, child) {{",
                                f"Builder(\n      builder: (context) {{\n        final catalog = context.watch<{model}>();")
    code = (f"{MATERIAL}{PROVIDER}\n{model_class(s)}\nclass {model} extends ChangeNotifier {{\n"
            f"  final List<{s.name}> _items = [];\n\n  List<{s.name}> get items => List.unmodifiable(_items);\n\n"
            f"  void add({s.name} {var}) {{\n    _items.add({var});\n    notifyListeners();\n  }}\n\n"
            f"  void remove({s.name} {var}) {{\n    _items.remove({var});\n    notifyListeners();\n  }}\n}}\n\n"
            f"class {view} extends StatelessWidget {{\n  const {view}({{super.key}});\n\n  @override\n"
            f"  Widget build(BuildContext context) {{\n    return {reader};\n  }}\n}}\n\n"
            f"void main() {{\n  runApp(\n    ChangeNotifierProvider(\n      create: (context) => {model}(){''.join(f'..add({sample(s, k)})' for k in range(v + 1))},\n"
            f"      child: const MaterialApp(home: Scaffold(body: {view}())),\n    ),\n  );\n}}\n")
    how = "a Consumer" if v % 2 == 0 else "context.watch inside a Builder"
    instr = (f"Use Provider for state: a ChangeNotifier {model} holding a private list of {s.name} ({fields_text(s)}) "
             f"with add and remove methods that call notifyListeners, and a widget {view} that reads it through "
             f"{how} and lists the {s.plural} with a delete IconButton each. main() wraps the app in a "
             f"ChangeNotifierProvider whose catalog starts with {v + 1} sample {s.name if v == 0 else s.plural}.")
    widgets = ["ChangeNotifierProvider", "ListTile", "IconButton"] + (["Consumer"] if v % 2 == 0 else ["Builder"])
    return instr, code, _spec([model, view, s.name], widgets, ["_items"], ["add", "remove", "onPressed"])


def future(s: Subject, v: int):
    cls, fetch = f"{s.name}Loader", f"fetch{s.name}s"
    var = s.name.lower()
    items = ",\n    ".join(sample(s, k) for k in range(2))
    delay = (300, 500, 800)[v % 3]
    code = (f"{MATERIAL}\n{model_class(s)}\nFuture<List<{s.name}>> {fetch}() async {{\n"
            f"  await Future.delayed(const Duration(milliseconds: {delay}));\n  return const [\n    {items},\n  ];\n}}\n\n"
            f"class {cls} extends StatefulWidget {{\n  const {cls}({{super.key}});\n\n  @override\n"
            f"  State<{cls}> createState() => _{cls}State();\n}}\n\n"
            f"class _{cls}State extends State<{cls}> {{\n  late Future<List<{s.name}>> _future;\n\n  @override\n"
            f"  void initState() {{\n    super.initState();\n    _future = {fetch}();\n  }}\n\n  @override\n"
            f"  Widget build(BuildContext context) {{\n    return FutureBuilder<List<{s.name}>>(\n      future: _future,\n"
            f"      builder: (context, snapshot) {{\n"
            f"        if (snapshot.connectionState == ConnectionState.waiting) {{\n"
            f"          return const Center(child: CircularProgressIndicator());\n        }}\n"
            f"        if (snapshot.hasError) {{\n          return Center(child: Text('Error: ${{snapshot.error}}'));\n"
            f"        }}\n        final {s.plural} = snapshot.data ?? [];\n        return ListView(\n          children: [\n"
            f"            for (final {var} in {s.plural}) ListTile(title: Text({label(s, var)})),\n          ],\n"
            f"        );\n      }},\n    );\n  }}\n}}\n")
    instr = (f"Write {cls}, a StatefulWidget that loads {s.plural} asynchronously: a top-level async function "
             f"{fetch}() returns a List<{s.name}> ({fields_text(s)}) after a {delay} ms Future.delayed; the state "
             f"keeps the future in _future (set in initState) and a FutureBuilder shows a CircularProgressIndicator "
             f"while waiting, the error text on failure, and a ListView of ListTiles when done.")
    return instr, code, _spec([cls, s.name], ["FutureBuilder", "CircularProgressIndicator", "ListView"], ["_future"],
                              ["initState", "builder"])


def theming(s: Subject, v: int):
    app, home = f"{s.name}ThemedApp", f"{s.name}Showcase"
    var = s.name.lower()
    toggle = v % 2 == 1
    mode = "_mode" if toggle else ("ThemeMode.system", "", "ThemeMode.dark")[v % 3]
    head = (f"class {app} extends StatefulWidget {{\n  const {app}({{super.key}});\n\n  @override\n"
            f"  State<{app}> createState() => _{app}State();\n}}\n\nclass _{app}State extends State<{app}> {{\n"
            f"  ThemeMode _mode = ThemeMode.light;\n\n  void _toggleTheme() {{\n    setState(() {{\n"
            f"      _mode = _mode == ThemeMode.light ? ThemeMode.dark : ThemeMode.light;\n    }});\n  }}\n\n"
            if toggle else f"class {app} extends StatelessWidget {{\n  const {app}({{super.key}});\n\n")
    action = ("      appBar: AppBar(\n        title: const Text('Theme'),\n        actions: [\n"
              "          IconButton(icon: const Icon(Icons.brightness_6), onPressed: _toggleTheme),\n        ],\n      ),\n"
              if toggle else "      appBar: AppBar(title: const Text('Theme')),\n")
    code = (f"{MATERIAL}\n{model_class(s)}\n{head}  @override\n  Widget build(BuildContext context) {{\n"
            f"    return MaterialApp(\n      theme: ThemeData(\n"
            f"        colorScheme: ColorScheme.fromSeed(seedColor: Colors.{s.colour}),\n        useMaterial3: true,\n"
            f"      ),\n      darkTheme: ThemeData(\n        colorScheme: ColorScheme.fromSeed(\n"
            f"          seedColor: Colors.{s.colour},\n          brightness: Brightness.dark,\n        ),\n"
            f"        useMaterial3: true,\n      ),\n      themeMode: {mode},\n      home: Scaffold(\n{action}"
            f"        body: {home}({var}: {sample(s)}),\n      ),\n    );\n  }}\n}}\n\n"
            f"class {home} extends StatelessWidget {{\n  const {home}({{super.key, required this.{var}}});\n\n"
            f"  final {s.name} {var};\n\n  @override\n  Widget build(BuildContext context) {{\n"
            f"    final theme = Theme.of(context);\n    return Card(\n      color: theme.colorScheme.primaryContainer,\n"
            f"      child: Padding(\n        padding: const EdgeInsets.all(16),\n"
            f"        child: Text({label(s, var)}, style: theme.textTheme.headlineSmall),\n      ),\n    );\n  }}\n}}\n")
    extra = (" An IconButton in the AppBar runs _toggleTheme, which switches a _mode field between light and dark "
             "with setState." if toggle else (" Follow the system theme mode." if v % 3 == 0 else " Always use the dark theme."))
    instr = (f"Theme a Flutter app {app}: MaterialApp with a light theme and a darkTheme, both ThemeData built "
             f"with ColorScheme.fromSeed from Colors.{s.colour} and useMaterial3. Its home shows {home}, a card "
             f"coloured with the colour scheme's primaryContainer displaying a sample {s.name}'s "
             f"{s.fields[0][0]} ({fields_text(s)}) in the text theme's headlineSmall.{extra}")
    callbacks = ["_toggleTheme", "onPressed"] if toggle else []
    return instr, code, _spec([app, home, s.name], ["MaterialApp", "ThemeData", "ColorScheme", "Card"],
                              ["_mode"] if toggle else [var], callbacks)


RENDERERS = {"stateless": stateless, "stateful": stateful, "form": form, "list": list_, "navigation": navigation,
             "provider": provider, "future": future, "theming": theming}
