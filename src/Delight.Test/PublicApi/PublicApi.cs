using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Delight.Test.PublicApi;

/// <summary>
/// An assembly's public surface as text, one line per type and member, sorted: what a user can call, so a diff of two
/// snapshots is the API change. Members are those a user can reach: public, and protected on unsealed types.
/// Nullable annotations are kept at the top level (a parameter, a return, a property), where they are contract.
/// </summary>
static class PublicApi
{
    public static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            lines.Add(TypeHeader(type));
            lines.AddRange(Members(type).Order(StringComparer.Ordinal).Select(m => "    " + m));
        }
        return string.Join('\n', lines) + '\n';
    }

    static string TypeHeader(Type t)
    {
        var kind = t.IsEnum ? "enum" : t.IsInterface ? "interface" : t.IsValueType ? (IsReadOnly(t) ? "readonly struct" : "struct")
            : typeof(Delegate).IsAssignableFrom(t) ? "delegate" : t.IsAbstract && t.IsSealed ? "static class"
            : t.IsAbstract ? "abstract class" : t.IsSealed ? "sealed class" : "class";
        if (t.IsByRefLike) kind = "ref " + kind;
        var bases = new List<string>();
        if (t.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum) && b != typeof(MulticastDelegate)) bases.Add(Name(b));
        if (t.IsEnum) bases.Add(Name(Enum.GetUnderlyingType(t)));
        bases.AddRange(t.GetInterfaces().Where(i => i.IsPublic || i.IsNestedPublic).Select(Name).Order(StringComparer.Ordinal));
        return $"{kind} {Name(t)}" + (bases.Count > 0 ? " : " + string.Join(", ", bases) : "");
    }

    static IEnumerable<string> Members(Type t)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (t.IsEnum)
        {
            foreach (var f in t.GetFields(BindingFlags.Public | BindingFlags.Static))
                yield return $"{f.Name} = {Convert.ToInt64(f.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}";
            yield break;
        }
        if (typeof(Delegate).IsAssignableFrom(t))
        {
            var invoke = t.GetMethod("Invoke")!;
            yield return $"{Return(invoke)} Invoke({Parameters(invoke)})";
            yield break;
        }
        foreach (var m in t.GetMembers(all))
        {
            if (m.Name.Contains('<') || !Visible(m)) continue; // compiler-generated (a record's <Clone>$) is not API
            switch (m)
            {
                case ConstructorInfo c:
                    yield return $"{Access(c)}{(c.IsStatic ? "static " : "")}{t.Name.Split('`')[0]}({Parameters(c)})";
                    break;
                case MethodInfo method when !method.IsSpecialName || method.Name.StartsWith("op_", StringComparison.Ordinal):
                    var generic = method.IsGenericMethodDefinition ? "<" + string.Join(", ", method.GetGenericArguments().Select(a => a.Name)) + ">" : "";
                    yield return $"{Access(method)}{Modifiers(method, t)}{Return(method)} {method.Name}{generic}({Parameters(method)})";
                    break;
                case PropertyInfo p:
                    var accessors = new List<string>();
                    if (p.GetMethod is { } get && Visible(get)) accessors.Add("get;");
                    if (p.SetMethod is { } set && Visible(set))
                        accessors.Add(set.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)) ? "init;" : "set;");
                    var accessor = (p.GetMethod is { } g && Visible(g) ? p.GetMethod : p.SetMethod)!;
                    var indexer = p.GetIndexParameters() is { Length: > 0 } index ? $"this[{Parameters(index)}]" : p.Name;
                    yield return $"{Access(accessor)}{Modifiers(accessor, t)}{Nullable(p.PropertyType, new NullabilityInfoContext().Create(p).ReadState)} {indexer} {{ {string.Join(' ', accessors)} }}";
                    break;
                case FieldInfo f:
                    var value = f.IsLiteral ? " = " + Literal(f.GetRawConstantValue()) : "";
                    var fieldModifiers = f.IsLiteral ? "const " : (f.IsStatic ? "static " : "") + (f.IsInitOnly ? "readonly " : "");
                    yield return $"{Access(f)}{fieldModifiers}{Nullable(f.FieldType, new NullabilityInfoContext().Create(f).ReadState)} {f.Name}{value}";
                    break;
                case EventInfo e:
                    yield return $"{Access(e.AddMethod!)}event {Name(e.EventHandlerType!)} {e.Name}";
                    break;
            }
        }
    }

    static bool Visible(MemberInfo m) => m switch
    {
        MethodBase b => b.IsPublic || ((b.IsFamily || b.IsFamilyOrAssembly) && !b.DeclaringType!.IsSealed),
        FieldInfo f => f.IsPublic || ((f.IsFamily || f.IsFamilyOrAssembly) && !f.DeclaringType!.IsSealed),
        PropertyInfo p => (p.GetMethod is { } g && Visible(g)) || (p.SetMethod is { } s && Visible(s)),
        EventInfo e => e.AddMethod is { } a && Visible(a),
        Type => false, // nested types are listed as types of their own
        _ => false,
    };

    static string Access(MethodBase m) => m.IsPublic ? "public " : "protected ";
    static string Access(FieldInfo f) => f.IsPublic ? "public " : "protected ";

    static string Modifiers(MethodInfo m, Type owner)
    {
        if (m.IsStatic) return "static ";
        if (owner.IsInterface) return m.IsAbstract ? "" : "virtual ";
        if (m.IsAbstract) return "abstract ";
        var isOverride = m.GetBaseDefinition().DeclaringType != m.DeclaringType;
        if (isOverride) return m.IsFinal ? "sealed override " : "override ";
        return m.IsVirtual && !m.IsFinal ? "virtual " : "";
    }

    static string Return(MethodInfo m) => Nullable(m.ReturnType, new NullabilityInfoContext().Create(m.ReturnParameter).ReadState);

    static string Parameters(MethodBase m) => Parameters(m.GetParameters());

    static string Parameters(ParameterInfo[] parameters) => string.Join(", ", parameters.Select(p =>
    {
        var prefix = p.ParameterType.IsByRef ? (p.IsOut ? "out " : p.IsIn ? "in " : "ref ") : p.IsDefined(typeof(ParamArrayAttribute)) ? "params " : "";
        var type = Nullable(p.ParameterType, new NullabilityInfoContext().Create(p).WriteState);
        var defaultValue = !p.HasDefaultValue ? "" : p.DefaultValue is null && p.ParameterType.IsValueType && System.Nullable.GetUnderlyingType(p.ParameterType) is null
            ? " = default" : " = " + Literal(p.DefaultValue);
        return $"{prefix}{type} {p.Name}{defaultValue}";
    }));

    static string Nullable(Type type, NullabilityState state) =>
        Name(type) + (state == NullabilityState.Nullable && !type.IsValueType && !(type.IsByRef && type.GetElementType()!.IsValueType) ? "?" : "");

    static string Literal(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    static readonly Dictionary<Type, string> Aliases = new()
    {
        [typeof(void)] = "void", [typeof(bool)] = "bool", [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte", [typeof(char)] = "char",
        [typeof(short)] = "short", [typeof(ushort)] = "ushort", [typeof(int)] = "int", [typeof(uint)] = "uint", [typeof(long)] = "long",
        [typeof(ulong)] = "ulong", [typeof(float)] = "float", [typeof(double)] = "double", [typeof(decimal)] = "decimal",
        [typeof(string)] = "string", [typeof(object)] = "object", [typeof(nint)] = "nint", [typeof(nuint)] = "nuint",
    };

    /// <summary>A type as C# spells it, namespace-qualified: System.ReadOnlySpan&lt;float&gt;, int?, Delight.Rollout[].</summary>
    public static string Name(Type t)
    {
        if (t.IsByRef || t.IsPointer) return Name(t.GetElementType()!) + (t.IsPointer ? "*" : "");
        if (t.IsArray) return Name(t.GetElementType()!) + "[" + new string(',', t.GetArrayRank() - 1) + "]";
        if (t.IsGenericParameter) return t.Name;
        if (Aliases.TryGetValue(t, out var alias)) return alias;
        if (System.Nullable.GetUnderlyingType(t) is { } inner) return Name(inner) + "?";
        var name = new StringBuilder(t.IsNested ? Name(t.DeclaringType!) + "." : t.Namespace is null ? "" : t.Namespace + ".");
        name.Append(t.Name.Split('`')[0]);
        // A nested type's generic arguments include its parent's; show only its own.
        var arguments = t.GetGenericArguments().Skip(t.IsNested ? t.DeclaringType!.GetGenericArguments().Length : 0).ToArray();
        if (arguments.Length > 0) name.Append('<').Append(string.Join(", ", arguments.Select(Name))).Append('>');
        return name.ToString();
    }

    static bool IsReadOnly(Type t) => t.GetCustomAttributes().Any(a => a.GetType().FullName == "System.Runtime.CompilerServices.IsReadOnlyAttribute");
}
