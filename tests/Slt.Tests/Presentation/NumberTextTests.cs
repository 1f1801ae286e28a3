using Slt.Presentation;

namespace Slt.Tests.Presentation;

public sealed class NumberTextTests
{
    [Theory]
    [InlineData(0.0028757034, 4, "0.002876")]
    [InlineData(0.00028757034, 4, "2.876×10⁻⁴")]
    [InlineData(0.45123, 4, "0.4512")]
    [InlineData(40.2, 3, "40.2")]
    [InlineData(0.6, 3, "0.600")]
    [InlineData(-0.5, 4, "−0.5000")]
    [InlineData(1000, 4, "1000")]
    [InlineData(9.99996, 4, "10.00")]
    [InlineData(1e6, 4, "10⁶")]
    [InlineData(1e-4, 4, "10⁻⁴")]
    [InlineData(123456, 4, "1.235×10⁵")]
    [InlineData(-2.5e-7, 2, "−2.5×10⁻⁷")]
    [InlineData(0, 4, "0")]
    [InlineData(double.NaN, 4, "NaN")]
    [InlineData(double.NegativeInfinity, 4, "−∞")]
    public void NumbersAreWrittenToSignificantDigits(double value, int digits, string expected) =>
        Assert.Equal(expected, NumberText.Significant(value, digits));

    [Theory]
    [InlineData(0.5, "0.5")]
    [InlineData(1e-3, "0.001")]
    [InlineData(2.5e-4, "2.5×10⁻⁴")]
    [InlineData(4000, "4000")]
    public void GridValuesTakeNoMoreDigitsThanTheyNeed(double value, string expected) => Assert.Equal(expected, NumberText.GridValue(value));

    [Theory]
    [InlineData(0.45123, 0.00312, "0.4512 ± 0.0031")]
    [InlineData(12.34, 1.2, "12.3 ± 1.2")]
    [InlineData(4.41, 0.05, "4.410 ± 0.050")]
    [InlineData(2.8757e-5, 1.2e-6, "(2.88 ± 0.12)×10⁻⁵")]
    [InlineData(-0.0123, 0.004, "−0.0123 ± 0.0040")]
    [InlineData(123.4, 35, "123 ± 35")]
    public void AValueIsRoundedToTheDecimalOfItsStandardErrorsSecondDigit(double value, double se, string expected) =>
        Assert.Equal(expected, NumberText.WithError(value, se));

    [Fact]
    public void AMissingStandardErrorLeavesTheValueAlone()
    {
        Assert.Equal("0.4512", NumberText.WithError(0.45123, null));
        Assert.Equal("0.4512", NumberText.WithError(0.45123, double.NaN));
        Assert.Equal("0.4512", NumberText.WithError(0.45123, 0));
    }

    [Fact]
    public void FractionsBecomeSignedPercentages()
    {
        Assert.Equal("+1.23%", NumberText.Percent(0.01234, 3));
        Assert.Equal("−41%", NumberText.Percent(-0.41));
        Assert.Equal("0%", NumberText.Percent(0));
    }

    [Fact]
    public void DigitsOutsideOneToFifteenAreRejected() =>
        Assert.Equal("digits", Assert.Throws<ArgumentOutOfRangeException>(() => NumberText.Significant(1, 0)).ParamName);
}
