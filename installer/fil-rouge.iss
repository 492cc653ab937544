; Inno Setup 6 script: per-user installation of Fil rouge, without administrator rights.
;
;   iscc /DAppVersion=0.1.0 /DDistDir=..\dist\fil-rouge /DIconFile=..\build\icons\fil-rouge.ico installer\fil-rouge.iss
;
; Installs dist\fil-rouge (build.spec: "Fil rouge.exe" + fil-rouge-cli.exe + _internal) into
; %LOCALAPPDATA%\Programs\Fil rouge ({userpf}), adds a Start-menu entry for the current user, and registers an
; uninstaller in « Applications installées ». Uninstalling keeps the user's encrypted case files
; (%LOCALAPPDATA%\fil-rouge) unless the user answers « Oui » to the question it asks; a silent uninstall
; (/VERYSILENT, e.g. by IT) always keeps them. The output lands in dist\ (see README « Windows »).

#ifndef AppVersion
  #error Give the version: iscc /DAppVersion=x.y.z ...
#endif
#ifndef DistDir
  #define DistDir "..\dist\fil-rouge"
#endif
#ifndef IconFile
  #define IconFile "..\build\icons\fil-rouge.ico"
#endif
#define AppName "Fil rouge"
#define AppExe "Fil rouge.exe"
; The same value as app.APP_USER_MODEL_ID: the taskbar groups the running window under this shortcut.
#define AppUserModelID "FilRouge.Desktop"

[Setup]
; AppId identifies the application for upgrades and uninstallation: never change it.
AppId={{A858437B-6E44-4ADF-91A4-6AACB39C42AD}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Fil rouge
VersionInfoVersion={#AppVersion}
PrivilegesRequired=lowest
DefaultDirName={userpf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2
SolidCompression=yes
CloseApplications=yes
OutputDir=..\dist
OutputBaseFilename=fil-rouge-{#AppVersion}-setup

[Languages]
Name: "french"; MessagesFile: "compiler:Languages\French.isl"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; AppUserModelID: "{#AppUserModelID}"

[Run]
Filename: "{app}\{#AppExe}"; Description: "Ouvrir {#AppName}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Files the application writes next to itself (none expected) go with it; the user's data is elsewhere.
Type: filesandordirs; Name: "{app}\_internal\__pycache__"

[Code]
const
  DataQuestion =
    'Supprimer aussi vos dossiers Fil rouge sur ce poste (dossiers chiffrés, sauvegardes, journaux) ?' + #13#10#13#10 +
    'Répondez « Non » pour les garder : une nouvelle installation les retrouvera.' + #13#10 +
    'Ce qui n''a pas été synchronisé avec le serveur serait perdu.';

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
begin
  if CurUninstallStep <> usPostUninstall then
    exit;
  { platformdirs.user_data_dir("fil-rouge", appauthor=False): where app/__main__.py keeps the profiles }
  DataDir := ExpandConstant('{localappdata}\fil-rouge');
  if UninstallSilent() or not DirExists(DataDir) then
    exit;
  if MsgBox(DataQuestion, mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
  begin
    DelTree(DataDir, True, True, True);
    { QSettings of the window (last profile, geometry) }
    RegDeleteKeyIncludingSubkeys(HKCU, 'Software\fil-rouge');
  end;
end;
