using System.Buffers.Binary;
using System.Text;

namespace Slt.Platform;

/// <summary>
/// One entry of an ELF file's version-needs table (<c>.gnu.version_r</c>): a symbol version such as
/// <c>GLIBCXX_3.4.32</c> that the file requires from a shared library, and where its <c>vna_flags</c> field lives.
/// </summary>
/// <param name="Library">The library the version is needed from (<c>vn_file</c>), e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Version">The version name (<c>vna_name</c>).</param>
/// <param name="Flags">The <c>vna_flags</c> value; bit 0x2 is <c>VER_FLG_WEAK</c>.</param>
/// <param name="FlagsOffset">File offset of the two-byte little-endian <c>vna_flags</c> field.</param>
public sealed record ElfVersionNeed(string Library, string Version, ushort Flags, long FlagsOffset)
{
    /// <summary><c>VER_FLG_WEAK</c>: the dynamic loader only warns when a weak version is missing.</summary>
    public const ushort WeakFlag = 0x2;

    public bool IsWeak => (Flags & WeakFlag) != 0;
}

/// <summary>
/// A minimal reader of the ELF64 little-endian structures needed to find symbol-version requirements
/// (System V gABI, "Symbol Versioning"): section headers, <c>SHT_GNU_verneed</c> and its linked string table.
/// It never writes; see <see cref="LibStdCxxCompatibility"/> for the edit.
/// </summary>
public static class ElfVersionNeeds
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVerdef = 0x6ffffffd;

    /// <summary>True when <paramref name="bytes"/> starts with the ELF magic, class 64 and little-endian data.</summary>
    public static bool IsElf64LittleEndian(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 64 && bytes[0] == 0x7f && bytes[1] == (byte)'E' && bytes[2] == (byte)'L' && bytes[3] == (byte)'F'
        && bytes[4] == 2 /* ELFCLASS64 */ && bytes[5] == 1 /* ELFDATA2LSB */;

    /// <summary>Every version a file needs, in table order. Empty for a file that is not ELF64-LE or has no table.</summary>
    /// <exception cref="InvalidDataException">The file claims to be ELF but its tables point outside it.</exception>
    public static IReadOnlyList<ElfVersionNeed> Read(ReadOnlySpan<byte> elf)
    {
        var result = new List<ElfVersionNeed>();
        foreach (var (section, strtab) in SectionsOfType(elf, ShtGnuVerneed))
        {
            long vn = section.Offset;
            for (int guard = 0; guard < 4096; guard++)
            {
                Require(elf, vn, 16);
                ushort count = U16(elf, vn + 2);
                string library = CString(elf, strtab.Offset + U32(elf, vn + 4));
                long aux = vn + U32(elf, vn + 8);
                for (int i = 0; i < count; i++)
                {
                    Require(elf, aux, 16);
                    ushort flags = U16(elf, aux + 4);
                    string name = CString(elf, strtab.Offset + U32(elf, aux + 8));
                    result.Add(new ElfVersionNeed(library, name, flags, aux + 4));
                    uint nextAux = U32(elf, aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = U32(elf, vn + 12);
                if (next == 0) break;
                vn += next;
            }
        }
        return result;
    }

    /// <summary>Every version a shared library defines (<c>.gnu.version_d</c>), e.g. <c>GLIBCXX_3.4.30</c>.</summary>
    public static IReadOnlyList<string> ReadDefinitions(ReadOnlySpan<byte> elf)
    {
        var result = new List<string>();
        foreach (var (section, strtab) in SectionsOfType(elf, ShtGnuVerdef))
        {
            long vd = section.Offset;
            for (int guard = 0; guard < 4096; guard++)
            {
                Require(elf, vd, 20);
                ushort count = U16(elf, vd + 6);
                long aux = vd + U32(elf, vd + 12);
                if (count > 0)
                {
                    Require(elf, aux, 8);
                    result.Add(CString(elf, strtab.Offset + U32(elf, aux)));
                }
                uint next = U32(elf, vd + 16);
                if (next == 0) break;
                vd += next;
            }
        }
        return result;
    }

    private readonly record struct Section(uint Type, long Offset, long Size, uint Link);

    private static List<(Section Section, Section StringTable)> SectionsOfType(ReadOnlySpan<byte> elf, uint type)
    {
        var found = new List<(Section, Section)>();
        if (!IsElf64LittleEndian(elf)) return found;
        long shoff = (long)U64(elf, 0x28);
        ushort shentsize = U16(elf, 0x3A);
        ushort shnum = U16(elf, 0x3C);
        if (shoff == 0 || shnum == 0) return found;
        if (shentsize < 64) throw new InvalidDataException($"ELF section header size {shentsize} is smaller than 64 bytes.");
        Require(elf, shoff, (long)shentsize * shnum);
        for (int i = 0; i < shnum; i++)
        {
            var s = SectionAt(elf, shoff + (long)i * shentsize);
            if (s.Type != type) continue;
            if (s.Link >= shnum) throw new InvalidDataException($"ELF section {i} links to section {s.Link}, beyond {shnum}.");
            var strtab = SectionAt(elf, shoff + (long)s.Link * shentsize);
            Require(elf, s.Offset, s.Size);
            Require(elf, strtab.Offset, strtab.Size);
            found.Add((s, strtab));
        }
        return found;
    }

    private static Section SectionAt(ReadOnlySpan<byte> elf, long h) =>
        new(U32(elf, h + 4), (long)U64(elf, h + 0x18), (long)U64(elf, h + 0x20), U32(elf, h + 0x28));

    private static void Require(ReadOnlySpan<byte> elf, long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > elf.Length)
            throw new InvalidDataException($"ELF structure at offset {offset} (+{length} bytes) lies outside the {elf.Length}-byte file.");
    }

    private static ushort U16(ReadOnlySpan<byte> b, long o) => BinaryPrimitives.ReadUInt16LittleEndian(b[(int)o..]);
    private static uint U32(ReadOnlySpan<byte> b, long o) => BinaryPrimitives.ReadUInt32LittleEndian(b[(int)o..]);
    private static ulong U64(ReadOnlySpan<byte> b, long o) => BinaryPrimitives.ReadUInt64LittleEndian(b[(int)o..]);

    private static string CString(ReadOnlySpan<byte> b, long o)
    {
        Require(b, o, 1);
        var rest = b[(int)o..];
        int end = rest.IndexOf((byte)0);
        if (end < 0) throw new InvalidDataException($"Unterminated ELF string at offset {o}.");
        return Encoding.ASCII.GetString(rest[..end]);
    }
}
