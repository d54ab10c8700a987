"""The shipped symbol table: the Flutter and Dart names the `flutter` level resolves identifiers against.

No Dart SDK can be installed here, so the analyzer's own resolution is out of reach; this table stands in
for it. It lists, per library, the public capitalised names (classes, enums, mixins, typedefs, constant
holders like `Colors`) that Flutter apps commonly use, and which libraries re-export which (importing
material.dart brings widgets, foundation, painting and part of services). What it does not do: list
every name of the SDK (a real but unlisted name is reported as undeclared: extend the table), check
members (`Colors.bleu` passes), lower-case top-level functions, or packages other than those below.
`KNOWN_PACKAGES` are the pub packages the table speaks for: a name a file uses that none of its imports
brings in is an error when every package it imports is known, and unverified (not an error, counted by
the validator) when it imports a package the table does not know (supabase_flutter, hive, equatable...).
"""
from __future__ import annotations

from functools import lru_cache


def _names(text: str) -> frozenset:
    return frozenset(text.split())


CORE = _names("""
Object String int double num bool List Map Set Iterable Iterator Future Stream Duration DateTime Exception
Error StateError ArgumentError FormatException RangeError UnimplementedError UnsupportedError RegExp Match
Pattern StringBuffer Uri Function Type Symbol Null Never Comparable MapEntry Record Enum BigInt Sink StackTrace
Stopwatch Deprecated Runes Invocation Expando WeakReference Finalizer""")

LIBRARIES = {
    "dart:core": CORE,
    "dart:async": _names("Completer Timer StreamController StreamSubscription FutureOr Zone StreamTransformer"),
    "dart:math": _names("Random Point Rectangle"),
    "dart:convert": _names("JsonEncoder JsonDecoder Utf8Codec Encoding LineSplitter"),
    "dart:collection": _names("LinkedHashMap HashMap Queue ListQueue UnmodifiableListView SplayTreeMap"),
    "package:flutter/foundation.dart": _names("""
        ChangeNotifier ValueNotifier Listenable ValueListenable VoidCallback ValueChanged ValueSetter ValueGetter
        Key LocalKey ValueKey UniqueKey ObjectKey Diagnosticable TargetPlatform AsyncCallback Factory"""),
    "package:flutter/painting.dart": _names("""
        EdgeInsets EdgeInsetsGeometry EdgeInsetsDirectional Alignment AlignmentGeometry AlignmentDirectional
        TextStyle FontWeight FontStyle TextDecoration BoxDecoration ShapeDecoration BorderRadius
        BorderRadiusGeometry Radius BoxShadow Border BorderSide Offset Size Rect Color Colors Gradient
        LinearGradient RadialGradient ImageProvider NetworkImage AssetImage BoxFit BoxShape CircleBorder
        RoundedRectangleBorder StadiumBorder ShapeBorder TextAlign TextDirection TextOverflow TextSpan
        InlineSpan DecorationImage Axis VerticalDirection Clip Brightness Shadow FontFeature HSLColor
        StrutStyle TextBaseline TextHeightBehavior BlendMode ColorFilter"""),
    "package:flutter/services.dart": _names("""
        TextInputType TextInputAction TextInputFormatter FilteringTextInputFormatter
        LengthLimitingTextInputFormatter TextEditingValue TextSelection SystemChrome SystemUiOverlayStyle
        HapticFeedback Clipboard ClipboardData LogicalKeyboardKey MethodChannel DeviceOrientation
        TextCapitalization MaxLengthEnforcement"""),
    "package:flutter/widgets.dart": _names("""
        Widget StatelessWidget StatefulWidget State BuildContext GlobalKey LabeledGlobalKey GlobalObjectKey Text
        RichText Column Row Flex Container Padding Center Align SizedBox Expanded Flexible Spacer Stack Positioned
        Wrap ListView GridView SliverGridDelegateWithFixedCrossAxisCount SliverGridDelegateWithMaxCrossAxisExtent
        CustomScrollView SliverList SliverChildBuilderDelegate SliverToBoxAdapter SingleChildScrollView
        PageView PageController ScrollController ScrollPhysics NeverScrollableScrollPhysics
        BouncingScrollPhysics ClampingScrollPhysics AlwaysScrollableScrollPhysics Navigator NavigatorState Route
        PageRoute ModalRoute RouteSettings PageRouteBuilder Image Icon IconData IconTheme IconThemeData
        GestureDetector Listener AbsorbPointer IgnorePointer FutureBuilder StreamBuilder AsyncSnapshot
        ConnectionState ValueListenableBuilder ListenableBuilder AnimatedBuilder InheritedWidget
        InheritedNotifier Builder StatefulBuilder LayoutBuilder BoxConstraints ConstrainedBox
        UnconstrainedBox LimitedBox FractionallySizedBox AspectRatio FittedBox ClipRRect ClipOval ClipRect
        Opacity Transform Visibility Offstage AnimatedContainer AnimatedOpacity AnimatedSwitcher
        AnimatedCrossFade AnimatedPadding AnimatedAlign AnimatedPositioned CrossFadeState Hero SafeArea
        MediaQuery MediaQueryData Directionality DefaultTextStyle Placeholder Form FormState FormField
        FormFieldState FormFieldValidator FormFieldSetter AutovalidateMode EditableText TextEditingController
        FocusNode FocusScope Focus Curves Curve AnimationController Animation Tween ColorTween CurvedAnimation
        SingleTickerProviderStateMixin TickerProviderStateMixin AutomaticKeepAliveClientMixin
        WidgetsBindingObserver WidgetsBinding WidgetsFlutterBinding AppLifecycleState MainAxisAlignment
        CrossAxisAlignment MainAxisSize StackFit FlexFit Orientation IndexedWidgetBuilder WidgetBuilder
        TransitionBuilder RouteFactory Semantics KeyedSubtree Dismissible DismissDirection Draggable
        DragTarget IntrinsicHeight IntrinsicWidth Baseline Table TableRow TableCell FlexColumnWidth
        DecoratedBox ColoredBox Scrollable ScrollNotification NotificationListener Overlay OverlayEntry
        WidgetState WidgetStateProperty WidgetStatePropertyAll WillPopScope PopScope Title Shortcuts
        Actions Intent Action SingleActivator CallbackShortcuts RepaintBoundary CustomPaint CustomPainter
        Canvas Paint PaintingStyle Path StrokeCap ValueListenableBuilder Localizations Locale"""),
    "package:flutter/material.dart": _names("""
        MaterialApp Scaffold ScaffoldState AppBar FloatingActionButton FloatingActionButtonLocation
        ElevatedButton TextButton OutlinedButton FilledButton IconButton BackButton CloseButton Icons Theme
        ThemeData ThemeMode ColorScheme TextTheme Typography AppBarTheme CardTheme CardThemeData
        ElevatedButtonThemeData InputDecorationTheme MaterialColor MaterialAccentColor Card ListTile
        ListTileTheme Divider VerticalDivider Drawer DrawerHeader UserAccountsDrawerHeader
        BottomNavigationBar BottomNavigationBarItem BottomNavigationBarType NavigationBar NavigationDestination
        NavigationRail NavigationRailDestination TabBar TabBarView Tab TabController DefaultTabController
        TextField TextFormField InputDecoration InputBorder OutlineInputBorder UnderlineInputBorder Checkbox
        CheckboxListTile Switch SwitchListTile Radio RadioListTile Slider RangeSlider RangeValues
        DropdownButton DropdownButtonFormField DropdownMenuItem DropdownMenu DropdownMenuEntry
        CircularProgressIndicator LinearProgressIndicator RefreshIndicator SnackBar SnackBarAction
        SnackBarBehavior ScaffoldMessenger ScaffoldMessengerState AlertDialog SimpleDialog
        SimpleDialogOption Dialog BottomSheet Chip ActionChip FilterChip ChoiceChip InputChip CircleAvatar
        MaterialPageRoute Material MaterialType InkWell Ink PopupMenuButton PopupMenuItem PopupMenuEntry
        ButtonStyle MaterialStateProperty MaterialState ExpansionTile ExpansionPanel ExpansionPanelList Badge
        Tooltip SearchBar SearchAnchor SegmentedButton ButtonSegment DataTable DataRow DataCell DataColumn
        Stepper Step StepState ToggleButtons Scrollbar SliverAppBar FlexibleSpaceBar TimeOfDay
        DatePickerDialog VisualDensity Colors Icons Brightness Banner MaterialBanner ListTileControlAffinity
        PageTransitionsTheme FadeUpwardsPageTransitionsBuilder Autocomplete TextSelectionThemeData
        DividerThemeData SwitchThemeData ChipThemeData FloatingActionButtonThemeData BottomAppBar
        NavigationBarThemeData Feedback"""),
    "package:flutter/cupertino.dart": _names("""
        CupertinoApp CupertinoPageScaffold CupertinoNavigationBar CupertinoSliverNavigationBar
        CupertinoButton CupertinoIcons CupertinoColors CupertinoSwitch CupertinoSlider CupertinoTextField
        CupertinoActivityIndicator CupertinoPageRoute CupertinoAlertDialog CupertinoDialogAction
        CupertinoTabScaffold CupertinoTabBar CupertinoTabView CupertinoThemeData CupertinoTheme
        CupertinoListSection CupertinoListTile CupertinoSegmentedControl CupertinoPicker
        CupertinoDatePicker CupertinoContextMenu CupertinoActionSheet CupertinoActionSheetAction"""),
    "package:provider/provider.dart": _names("""
        ChangeNotifierProvider Provider Consumer Consumer2 MultiProvider Selector ChangeNotifierProxyProvider
        ProxyProvider FutureProvider StreamProvider ListenableProvider ValueListenableProvider ReadContext
        WatchContext SelectContext ProviderNotFoundException"""),
}

# What importing a library brings in scope (Flutter's libraries re-export their layers).
EXPORTS = {
    "package:flutter/widgets.dart": ("package:flutter/widgets.dart", "package:flutter/foundation.dart",
                                     "package:flutter/painting.dart", "package:flutter/services.dart"),
    "package:flutter/material.dart": ("package:flutter/material.dart", "package:flutter/widgets.dart",
                                      "package:flutter/foundation.dart", "package:flutter/painting.dart",
                                      "package:flutter/services.dart"),
    "package:flutter/cupertino.dart": ("package:flutter/cupertino.dart", "package:flutter/widgets.dart",
                                       "package:flutter/foundation.dart", "package:flutter/painting.dart",
                                       "package:flutter/services.dart"),
}


def in_scope(imports) -> frozenset:
    """Every name the imported libraries (and dart:core, always imported) bring in scope."""
    return _in_scope(frozenset(imports))


@lru_cache(maxsize=256)
def _in_scope(imports: frozenset) -> frozenset:
    names = set(CORE)
    for uri in imports:
        for lib in EXPORTS.get(uri, (uri,)):
            names |= LIBRARIES.get(lib, frozenset())
    return frozenset(names)


def library_of(name: str) -> str | None:
    """The import that brings `name` in: the narrowest shipped library that lists it (material before
    cupertino for the shared layers)."""
    for lib in ("package:flutter/material.dart", "package:flutter/cupertino.dart", "package:provider/provider.dart",
                "dart:async", "dart:math", "dart:convert", "dart:collection"):
        if name in _in_scope(frozenset([lib])) - CORE:
            return lib
    return None


KNOWN_PACKAGES = frozenset({"flutter", "provider"})


def package_of(uri: str) -> str | None:
    """'package:hive/hive.dart' -> 'hive'; a dart: library or a relative import -> None."""
    return uri.split(":", 1)[1].split("/", 1)[0] or None if uri.startswith("package:") else None


def known_library(uri: str) -> bool:
    return uri in LIBRARIES or uri in EXPORTS

