@echo off
rem slt: the workbook's command line on Windows (lib\Slt.Cli); put this folder on PATH (README, "Quick start").
rem Runs the built lib\Slt.Cli\bin\Debug\net10.0\Slt.Cli.dll; builds it first when it is missing or older than a
rem source file under lib\ (bin\ and obj\ excluded). SLT_NO_BUILD=1 never builds.
setlocal
set "SLT_ROOT=%~dp0"
set "SLT_DLL=%SLT_ROOT%lib\Slt.Cli\bin\Debug\net10.0\Slt.Cli.dll"
if "%SLT_NO_BUILD%"=="1" goto run
if not exist "%SLT_DLL%" goto build
powershell -NoProfile -Command "$d = (Get-Item -LiteralPath $env:SLT_DLL).LastWriteTimeUtc; $src = Join-Path $env:SLT_ROOT 'lib'; $newer = Get-ChildItem -LiteralPath $src -Recurse -File -Include *.cs,*.csproj,*.props,*.targets,*.json | Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' -and $_.LastWriteTimeUtc -gt $d } | Select-Object -First 1; if ($newer) { exit 1 } else { exit 0 }"
if errorlevel 1 goto build
goto run
:build
echo slt: building lib\Slt.Cli (missing or older than its sources) ... 1>&2
dotnet build "%SLT_ROOT%lib\Slt.Cli\Slt.Cli.csproj" -c Debug -nologo -v quiet "-clp:ErrorsOnly;NoSummary" 1>&2
if errorlevel 1 (echo slt: the build failed ^(output above^). 1>&2 & exit /b 1)
rem An incremental build may leave the DLL as it was: mark it current.
copy /b "%SLT_DLL%"+,, "%SLT_DLL%" >nul
:run
if not exist "%SLT_DLL%" (echo slt: %SLT_DLL% is missing; build with: dotnet build Workbook.sln 1>&2 & exit /b 1)
dotnet "%SLT_DLL%" %*
exit /b %ERRORLEVEL%
