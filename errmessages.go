package apitable

import (
	"slices"
	"strings"
)

// The server answers most parameter errors with business code 400 and a
// message only (docs/server-behaviour.md §4.3). messageSentinel tells the
// common ones apart, so that a caller can match them with errors.Is.
//
// The message is in the token owner's language: room-server translates its
// tips with nestjs-i18n into request[USER_HTTP_DECORATE].locale, the locale
// of the user the API token belongs to
// (packages/room-server/src/shared/filters/global.exception.filter.ts,
// shared/adapters/adapters.init.ts). The request cannot choose it: no
// nestjs-i18n resolver is configured (app.module.ts) and Accept-Language is
// not read on this path. So the table holds each tip's text in every
// language the server ships (packages/i18n-lang/src/config/strings.*.json,
// apitable/apitable at 69aeb706d), as written there: {name} stands for a
// value the server fills in (or leaves out).

// tipTexts maps a sentinel to the tip texts that mean it.
type tipTexts struct {
	sentinel error
	texts    []string
}

// messageTable returns the table. It is a function so that the table is not
// mutable package state; it is only read on error paths.
func messageTable() []tipTexts {
	return slices.Concat(recordMessages(), fieldListMessages(), fieldWriteMessages(), viewMessages(), unitMessages())
}

// recordMessages are the tips for a record that does not exist.
func recordMessages() []tipTexts {
	return []tipTexts{
		{ErrRecordNotFound, []string{
			// api_param_record_not_exists
			"The record specified by the recordId does not exist",
			"recordId 指定的记录不存在",
			"recordId 指定的記錄不存在",
			"Der von der recordId angegebene Datensatz existiert nicht",
			"El registro especificado por recordID no existe",
			"L'enregistrement spécifié par l'identifiant de l'enregistrement n'existe pas",
			"Il record specificato dal recordId non esiste",
			"recordId指定のレコードは存在しません",
			"recordId 지정된 레코드가 존재하지 않습니다.",
			"Записи, указанные recordid, не существуют",
			"السجل المحدد من قبل recordid غير موجود",
		}},
	}
}

// fieldListMessages are the tips for unknown fields in a read (fields, sort).
func fieldListMessages() []tipTexts {
	return []tipTexts{
		{ErrFieldNotFound, []string{
			// api_query_params_invalid_fields
			"Invalid fields",
			"传入的 fields 不存在：{fields}",
			"傳入的 fields 不存在：{fields}",
			"Ungültige Felder",
			"Campo no válido",
			"Champs invalides",
			"Campi non validi",
			"無効なフィールド",
			"잘못된 필드",
			"Неверное поле",
			"حقل غير صالح",
			// api_param_sort_field_not_exists
			"The sorted field \"{fieldId}\" does not exist",
			"sort 参数指定的字段 \"{fieldId}\" 不存在",
			"sort 参数指定的欄位 \"{fieldId}\" 不存在",
			"Das sortierte Feld \"{fieldId}\" existiert nicht",
			"El campo ordenado \"{fieldId}\" no existe",
			"Le champ trié \"{fieldId}\" n'existe pas",
			"Il campo ordinato \"{fieldId}\" non esiste",
			"ソートされたフィールド \"{fieldId}\" は存在しません",
			"정렬된 필드 \"{fieldId}\"가 존재하지 않습니다.",
			"Отсутствует отсортированное поле \"{fieldId}\"",
			"الحقل المرتب \"{fieldId}\" غير موجود",
			// api_params_invalid_fields_value
			"The format of the fields parameter value is wrong",
			"传入的 fields 参数格式不正确",
			"傳入的 fields 參數格式不正確",
			"Das Format des Feldparameterwertes ist falsch",
			"Error de formato del valor del parámetro de campo",
			"Le format de la valeur du paramètre des champs est incorrect",
			"Il formato del valore del parametro dei campi è sbagliato",
			"フィールドパラメータ値のフォーマットエラー",
			"필드 매개 변수 값의 형식 오류",
			"Ошибка форматирования значений параметров поля",
			"خطأ في تنسيق القيم المعلمة الميدانية",
		}},
	}
}

// fieldWriteMessages are the tips for unknown fields in writes, lookups and field deletes.
func fieldWriteMessages() []tipTexts {
	return []tipTexts{
		{ErrFieldNotFound, []string{
			// api_params_lookup_related_link_field_not_exists
			"The link field ID \"{fieldId}\" associated with the lookup field does not exist.",
			"与查找字段关联的链接字段ID“{fieldId}”不存在。",
			"神奇引用字段关联的双向关联字段ID \"{fieldId}\" 不存在",
			"Die dem Nachschlagefeld zugeordnete Link-Feld-ID \"{fieldId}\" existiert nicht.",
			"El ID de campo de enlace \"{fieldId}\" asociado con el campo de búsqueda no existe.",
			"Le champ de lien id \"{fieldId}\" associé au champ de recherche n'existe pas.",
			"L'ID del campo collegamento \"{fieldId}\" associato al campo di ricerca non esiste.",
			"ルックアップフィールドに関連付けられたリンクフィールドID「{fieldId}」は存在しません。",
			"찾기 필드와 연관된 링크 필드 ID \"{fieldId}\"가 없습니다.",
			"Идентификатор поля \"{fieldId}\", на который ссылается поле поиска, не существует.",
			"معرف حقل الرابط \"{fieldId}\" المرتبط بحقل البحث غير موجود",
			// api_params_lookup_target_field_not_exists
			"The field ID \"{fieldId}\" referenced by the lookup field does not exist.",
			"查找字段引用的字段ID“{fieldId}”不存在。",
			"神奇引用字段引用的字段ID \"{fieldId}\" 不存在",
			"Die Feld-ID \"{fieldId}\", auf die das Nachschlagefeld verweist, existiert nicht.",
			"El ID de campo \"{fieldId}\" al que hace referencia el campo de búsqueda no existe.",
			"Le champ ID \"{fieldId}\" référencé par le champ de recherche n'existe pas.",
			"L'ID campo \"{fieldId}\" a cui fa riferimento il campo di ricerca non esiste.",
			"フィールド参照を検索するフィールドID“{fieldId}”は存在しません。",
			"필드에서 참조하는 필드 ID \"{fieldId}\"를 찾을 수 없습니다.",
			"Идентификатор поля \"{fieldId}\", на который ссылается поле поиска, не существует.",
			"معرف الحقل \"{fieldId}\" المشار إليه بواسطة حقل البحث غير موجود",
			// api_params_lookup_sort_field_not_exists
			"The sorting field ID \"{fieldId}\" specified by the lookup field does not exist.",
			"查找字段指定的排序字段ID“{fieldId}”不存在。",
			"神奇引用字段指定的排序字段ID \"{fieldId}\" 不存在",
			"Die im Nachschlagefeld angegebene Sortierfeld-ID \"{fieldId}\" existiert nicht.",
			"El ID de campo de clasificación \"{fieldId}\" especificado por el campo de búsqueda no existe.",
			"L'id de champ de tri \"{fieldId}\" spécifié par le champ de recherche n'existe pas.",
			"L'ID del campo di ordinamento \"{fieldId}\" specificato dal campo di ricerca non esiste.",
			"検索フィールドに指定されたソートフィールドID“{fieldId}”は存在しません。",
			"찾기 필드에 지정된 정렬 필드 ID \"{fieldId}\"가 존재하지 않습니다.",
			"Идентификатор поля сортировки \"{fieldId}\", указанный в поле поиска, не существует.",
			"معرف حقل الترتيب \"{fieldId}\" المحدد بواسطة حقل البحث غير موجود",
			// api_params_lookup_filter_field_not_exists
			"The filtering field ID \"{fieldId}\" specified by the lookup field does not exist.",
			"神奇引用字段指定的筛选字段ID \"{fieldId}\" 不存在",
			"神奇引用字段指定的篩選字段ID \"{fieldId}\" 不存在",
			"Das angegebene Filterfeld mit der ID \"{fieldId}\" existiert nicht.",
			"El campo de filtrado con el ID \"{fieldId}\" especificado por el campo de búsqueda no existe.",
			"Le champ de filtrage avec l'ID \"{fieldId}\" spécifié par le champ de recherche n'existe pas.",
			"Il campo di filtraggio con l'ID \"{fieldId}\" specificato dal campo di ricerca non esiste.",
			"ルックアップフィールドによって指定されたフィルタリングフィールドID \"{fieldId}\" は存在しません。",
			"룩업 필드에 의해 지정된 필터링 필드 ID \"{fieldId}\" 가 존재하지 않습니다.",
			"Указанное поле фильтрации с идентификатором \"{fieldId}\" , указанное полем поиска, не существует.",
			"معرف حقل التصفية \"{fieldId}\" المحدد بواسطة حقل البحث غير موجود.",
			// api_params_not_exists
			"fieldId \"{value}\" does not exist",
			"[fieldId]「{value}」不存在",
			"fieldId \"{value}\" existiert nicht",
			"fieldId \"{value}\" no existe",
			"fieldId \"{value}\" n'existe pas",
			"{proprietà} \"{value}\" non esiste",
			"fieldId「{value}」は存在しません",
			"fieldId \"{value}\"이(가) 존재하지 않습니다.",
			"fieldId \"{value}\" не существует",
			"لا توجد خاصية ' { قيمة } '",
		}},
	}
}

// viewMessages are the tips for an unknown view.
func viewMessages() []tipTexts {
	return []tipTexts{
		{ErrViewNotFound, []string{
			// api_param_view_not_exists
			"The specified view does not exist",
			"找不到参数 viewID 对应的视图",
			"viewId 參數指定的視圖不存在",
			"Die angegebene Ansicht existiert nicht",
			"La vista especificada no existe",
			"La vue spécifiée n'existe pas",
			"La vista specificata non esiste",
			"指定されたビューは存在しません",
			"지정된 뷰가 없습니다.",
			"Указанный вид не существует",
			"الرأي المحدد غير موجود",
			// api_query_params_view_id_not_exists
			"View ({viewId}) does not exist",
			"查询的视图({viewId}) 不存在",
			"查詢的視圖({viewId}) 不存在",
			"Ansicht ({viewId}) existiert nicht",
			"La vista ({viewId}) no existe",
			"La vue ({viewId}) n’existe pas",
			"Vista ({viewId}) non esiste",
			"ビュー ({viewId}) は存在しません",
			"뷰(viewId})가 존재하지 않습니다.",
			"Вид (Ser viewId) Не существует",
			"عرض ( viewid ) غير موجود",
		}},
	}
}

// unitMessages are the tips for an unknown unit (member, team).
func unitMessages() []tipTexts {
	return []tipTexts{
		{ErrUnitNotFound, []string{
			// api_param_unit_not_exists
			"The unit specified by the unit ID does not exist",
			"unit ID 指定的组织单元不存在",
			"unit ID 指定的組織單元不存在",
			"Die durch die Unit ID angegebene Einheit existiert nicht",
			"La unidad especificada por el ID de la unidad no existe",
			"L'unité spécifiée par l'ID d'unité n'existe pas",
			"L'unità specificata dall'ID dell'unità non esiste",
			"ユニットIDで指定されたユニットは存在しません",
			"셀 ID 지정된 셀이 없습니다.",
			"Идентификатор ячейки не существует",
			"الخلية المحددة من قبل معرف الخلية لا وجود لها",
			// api_param_unit_name_type_not_exists
			"The unit specified by the unit Name does not exist",
			"unit Name 指定的组织单元不存在",
			"unit Name 指定的組織單元不存在",
			"Die von der Einheit angegebene Einheit Name existiert nicht",
			"La unidad especificada por el nombre de la unidad no existe",
			"L'unité spécifiée par le nom de l'unité n'existe pas",
			"L'unità specificata dall'unità Name non esiste",
			"単位名で指定された単位は存在しません",
			"단위 이름 지정된 단위가 없습니다.",
			"Название единицы не существует",
			"الوحدة المحددة من قبل اسم الوحدة لا وجود لها",
		}},
	}
}

// isFormulaTip reports whether msg is a rendering of the tip
// api_param_formula_error, whose template is "{value}" while the server
// passes only "message": the text is empty (the Arabic strings file has
// the word "value" instead of the placeholder).
func isFormulaTip(msg string) bool {
	switch strings.TrimSpace(msg) {
	case "", "{value}", "قيمة":
		return true
	}
	return false
}

// messageSentinel returns the finer sentinel of a code-400 message, or nil.
func messageSentinel(msg string) error {
	trimmed := strings.TrimSpace(msg)
	if trimmed == "" {
		return nil
	}
	for _, row := range messageTable() {
		for _, t := range row.texts {
			// Trimmed too: some templates end in a space; but an empty
			// value at the start leaves a space that belongs to the text.
			if matchTip(t, msg) || matchTip(strings.TrimSpace(t), trimmed) {
				return row.sentinel
			}
		}
	}
	return nil
}

// matchTip reports whether msg is a rendering of the tip template tmpl: the
// template's literal parts in order, anything in place of each {name}.
func matchTip(tmpl, msg string) bool {
	parts := tipParts(tmpl)
	if len(parts) == 1 {
		return msg == parts[0]
	}
	first, last := parts[0], parts[len(parts)-1]
	if !strings.HasPrefix(msg, first) {
		return false
	}
	rest := msg[len(first):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return strings.HasSuffix(rest, last)
}

// tipParts splits a template at its {name} placeholders: n placeholders
// give n+1 literal parts (possibly empty).
func tipParts(tmpl string) []string {
	var parts []string
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 || strings.IndexByte(tmpl[open+1:open+end], '{') >= 0 {
			break
		}
		parts = append(parts, tmpl[:open])
		tmpl = tmpl[open+end+1:]
	}
	return append(parts, tmpl)
}
