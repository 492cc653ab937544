# Smoke-test the PyInstaller bundle on Windows: the twin of scripts/check-bundle.sh, same steps.
#   1. --version, --help (every command module was collected), self-test (SQLCipher + Alembic);
#   2. init --demo (passphrase), contracts, pdf contract (plain), pdf roadmap;
#   3. the window's PDF rasteriser on one page, offscreen (--check-preview: PDFium + Qt images);
#   4. a keyring-mode profile in the Windows Credential Manager, the seal configured with a throw-away test
#      certificate (tests/services/certificates.py) and pdf contract sealed (pyHanko, aiohttp inside);
#   5. the window, offscreen, stays up; the bundle's size.
#   powershell -File scripts/check-bundle.ps1 [-Dist dist\fil-rouge] [-Python .venv\Scripts\python.exe]
param(
    [string]$Dist = "dist\fil-rouge",
    [string]$Python = ".venv\Scripts\python.exe"  # only to write the test certificate and read JSON
)
$ErrorActionPreference = "Stop"
$Cli = Join-Path $Dist "fil-rouge-cli.exe"
$Gui = Join-Path $Dist "Fil rouge.exe"
foreach ($exe in @($Cli, $Gui)) {
    if (-not (Test-Path $exe)) { throw "check-bundle: $exe missing (build the bundle first)" }
}
$Tmp = Join-Path ([System.IO.Path]::GetTempPath()) ("fil-rouge-bundle-" + [guid]::NewGuid())
New-Item -ItemType Directory -Path $Tmp | Out-Null
$Data = Join-Path $Tmp "data"
$env:QT_QPA_PLATFORM = "offscreen"
Remove-Item Env:FIL_ROUGE_DATA_DIR -ErrorAction SilentlyContinue
# ASCII secrets: what a pipe carries to a frozen program is in the ANSI code page, whatever PowerShell's setting.
$Passphrase = "phrase secrete du test de l'executable"
$SealPassword = "mot de passe du cachet de test"
$OutputEncoding = New-Object System.Text.UTF8Encoding $false  # no byte-order mark in front of piped text
$env:PYTHONIOENCODING = "utf-8"  # the helper interpreter reads the JSON piped to it

function Invoke-Cli([string]$InputText, [string[]]$Arguments) {
    # Runs fil-rouge-cli with its data in the throwaway folder; fails the script on a non-zero exit.
    $all = @("--data-dir", $Data) + $Arguments
    if ($InputText) { $out = $InputText | & $Cli @all } else { $out = "" | & $Cli @all }
    if ($LASTEXITCODE -ne 0) { throw "check-bundle: fil-rouge-cli $($Arguments -join ' ') failed ($LASTEXITCODE)" }
    return $out
}
function Assert-Pdf([string]$Path) {
    $head = [System.Text.Encoding]::ASCII.GetString([System.IO.File]::ReadAllBytes($Path)[0..4])
    if ($head -ne "%PDF-") { throw "check-bundle: $Path is not a PDF" }
}
function Get-First([string]$Json, [string]$Field) {
    $Json | & $Python -c "import json, sys; print(json.load(sys.stdin)[0][sys.argv[1]])" $Field
}

try {
    # 1. the commands are all there and the vault works
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    Invoke-Cli "" @("--version")
    Write-Output "check-bundle: --version in $($watch.ElapsedMilliseconds) ms"
    $help = (Invoke-Cli "" @("--help")) -join "`n"
    foreach ($cmd in @("init", "self-test", "contracts", "pdf", "seal", "report")) {
        if ($help -notmatch "(?m)^    $cmd ") { throw "check-bundle: command '$cmd' missing from --help" }
    }
    Invoke-Cli "" @("self-test")

    # 2. a demo profile, its contracts, a contract and a roadmap as PDF
    $demo = @("--profile", "demo", "--passphrase-stdin")
    Invoke-Cli $Passphrase ($demo + @("init", "--demo"))
    $contracts = (Invoke-Cli $Passphrase ($demo + @("contracts", "--json"))) -join "`n"
    $contract = Get-First $contracts "id"
    $person = Get-First $contracts "person_id"
    $plain = Join-Path $Tmp "contrat.pdf"
    Invoke-Cli $Passphrase ($demo + @("pdf", "contract", $contract, "--out", $plain))
    Assert-Pdf $plain
    if (Select-String -Path $plain -Pattern "/ByteRange" -SimpleMatch -Quiet) { throw "check-bundle: unsealed contract is signed?" }
    $roadmap = Join-Path $Tmp "feuille.pdf"
    Invoke-Cli $Passphrase ($demo + @("pdf", "roadmap", $person, "--out", $roadmap))
    Assert-Pdf $roadmap

    # 3. the window's rasteriser, offscreen, on the contract's first page
    Invoke-Cli "" @("--check-preview", $plain)
    if (-not (Test-Path (Join-Path $Tmp "contrat.apercu.png"))) { throw "check-bundle: no preview image" }

    # 4. keyring-mode profile in the Credential Manager, seal, sealed contract
    & $Python -c "import sys; from pathlib import Path; from tests.services.certificates import make_p12; make_p12(Path(sys.argv[1]), sys.argv[2])" $Tmp $SealPassword
    if ($LASTEXITCODE -ne 0) { throw "check-bundle: test certificate not written" }
    $keyring = @("--profile", "trousseau")
    Invoke-Cli "" ($keyring + @("init", "--demo", "--mode", "keyring"))
    $profileJson = Get-Content (Join-Path $Data "profiles\trousseau\profile.json") -Raw
    if ($profileJson -notmatch '"mode": "keyring"') { throw "check-bundle: profile not in keyring mode" }
    Invoke-Cli $SealPassword ($keyring + @("seal", "--certificate", (Join-Path $Tmp "sceau.p12"), "--password-stdin"))
    $contractsK = (Invoke-Cli "" ($keyring + @("contracts", "--json"))) -join "`n"
    $sealed = Join-Path $Tmp "scelle.pdf"
    Invoke-Cli "" ($keyring + @("pdf", "contract", (Get-First $contractsK "id"), "--out", $sealed))
    Assert-Pdf $sealed
    if (-not (Select-String -Path $sealed -Pattern "/ETSI.CAdES.detached" -SimpleMatch -Quiet)) { throw "check-bundle: contract not sealed" }
    Write-Output "check-bundle: keyring profile in the Credential Manager, seal configured, sealed contract"

    # 5. the window (offscreen) must start and keep running until stopped
    $proc = Start-Process -FilePath $Gui -ArgumentList @("--data-dir", "`"$(Join-Path $Tmp 'gui-data')`"") -PassThru
    Start-Sleep -Seconds 12
    if ($proc.HasExited) { throw "check-bundle: the window did not stay up (exit $($proc.ExitCode))" }
    Stop-Process -Id $proc.Id
    Write-Output "check-bundle: window started offscreen and stayed up"
    $size = (Get-ChildItem $Dist -Recurse -File | Measure-Object -Property Length -Sum).Sum / 1MB
    Write-Output ("check-bundle: all checks passed; bundle size {0:N0} MB" -f $size)
}
finally {
    # the keyring-mode profile's key and the seal password stay in the Credential Manager otherwise
    if (Test-Path (Join-Path $Data "profiles\trousseau")) {
        try { "" | & $Cli --data-dir $Data --profile trousseau seal --remove | Out-Null } catch { }
    }
    Remove-Item -Recurse -Force $Tmp -ErrorAction SilentlyContinue
}
